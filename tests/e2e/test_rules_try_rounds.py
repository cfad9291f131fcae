"""The dry run's reader (issue 24 §2) on the service's own tables: the period's deals read in
many small rounds (each named by its ids and their range, the next one read ahead) give the
same deals, moves and report as one round; a reader stopped early ends its read-ahead before
the transaction does."""

from __future__ import annotations

from contextlib import aclosing
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from crm_shared.contracts.envelope import utcnow
from crm_shared.machinery.db import asyncpg_dsn
from deal_service.adapters import rules_try as sql
from deal_service.domain.replay import DealPast
from deal_service.domain.rules_try import RulesTry
from tests.configs import shipped_config
from tests.services import running
from tests.support import Client
from tests.unit.test_rules_try import STRICTER

SHIPPED = shipped_config()


async def _read(url: str, stop_after: int | None = None) -> list[DealPast]:
    end = utcnow() + timedelta(minutes=1)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with conn.transaction():
            await sql.begin_snapshot(conn)
            read: list[DealPast] = []
            pasts = sql.pasts(conn, end - timedelta(days=7), end, None, "LOST_NO_CONTACT")
            async with aclosing(pasts) as rows:
                async for past in rows:
                    read.append(past)
                    if stop_after is not None and len(read) == stop_after:
                        break
            assert await conn.fetchval("SELECT 1") == 1  # the connection is free again
            return read
    finally:
        await conn.close()


def _report(pasts: list[DealPast]) -> dict[str, Any]:
    end = utcnow() + timedelta(minutes=1)
    replay = RulesTry(SHIPPED, STRICTER, end - timedelta(days=7), end, 3)
    for past in pasts:
        replay.add(past)
    return replay.report() | {"from": None, "to": None}


async def test_small_rounds_read_what_one_round_reads(
    clean: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(clean, "deal-service"):
        for n in range(7):
            manager = f"mgr-{1 + n % 2}"
            deal = await client.deal_for(manager, title=f"Сделка {n}", requirements="x")
            moved = await client.cmd(
                "deal.move", actor_id=manager, deal_id=deal["id"], to_stage="PROCESSING"
            )
            assert moved["ok"], moved
    whole = await _read(clean.database_url)
    assert len(whole) == 7 and all(len(p.moves) == 2 for p in whole)
    assert [p.deal.id for p in whole] == sorted(p.deal.id for p in whole)
    monkeypatch.setattr(sql, "CHUNK", 2)
    rounds = await _read(clean.database_url)
    assert [(p.deal.id, p.moves, p.changes) for p in rounds] == [
        (p.deal.id, p.moves, p.changes) for p in whole
    ]
    assert _report(rounds) == _report(whole)
    assert len(await _read(clean.database_url, stop_after=3)) == 3
