"""Redeliveries caused by a transient fault never move a message toward the dead letters."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from crm_shared.machinery import consumer
from crm_shared.machinery.db import asyncpg_dsn
from crm_shared.machinery.faults import is_poison, is_transient
from tests.services import running
from tests.support import Client, eventually


def test_admin_shutdown_and_read_only_are_transient() -> None:
    assert is_transient(asyncpg.AdminShutdownError())
    assert is_transient(asyncpg.ReadOnlySQLTransactionError())
    assert not is_transient(asyncpg.CharacterNotInRepertoireError())
    assert is_poison(asyncpg.CharacterNotInRepertoireError())  # 22021, a NUL byte


async def test_a_read_only_database_after_failover_retries_without_dead_lettering(
    clean: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer, "MAX_ATTEMPTS", 2)  # so that a few redeliveries would do
    db = clean.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(asyncpg_dsn(clean.stack.database_url))
    dlq = await client.record("crm.dlq.>")
    try:
        async with running(clean, "deal-service") as (deal_service,):
            # As after a failover to a replica: every new session is read-only (25006), and
            # the sessions there were are cut (57P01).
            await admin.execute(f'ALTER DATABASE "{db}" SET default_transaction_read_only = on')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db
            )
            lead = await client.publish_lead()
            retries = deal_service.runtime.metrics.retries
            await eventually(
                lambda: retries.labels("deal-service-leads", "transient")._value.get() >= 4,
                timeout=30,
            )
            await admin.execute(f'ALTER DATABASE "{db}" RESET default_transaction_read_only')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db
            )
            await eventually(lambda: _deal(client, lead), timeout=60)
        assert dlq.of("crm.dlq.deal-service") == []
    finally:  # however the test ends, no session opened read-only outlives it
        await admin.execute(f'ALTER DATABASE "{db}" RESET default_transaction_read_only')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db
        )
        await admin.close()


async def _deal(client: Client, external_id: str) -> dict[str, Any] | None:
    """The lead's deal, or None while the service still answers `unavailable`."""
    reply = await client.request("crm.query.deal.list", {"actor_id": "rop-1", "limit": 500})
    if not reply["ok"]:
        assert reply["error"]["code"] == "unavailable", reply
        return None
    return next((d for d in reply["items"] if d["external_id"] == external_id), None)
