"""PostgreSQL lost under a running service: said once, shown on /healthz, nothing lost.

The service (a real process) runs on servers of this test's own; its PostgreSQL is stopped
for `DOWN_WINDOW` seconds while a lead arrives. Meanwhile /healthz answers 503 naming
postgres, and the log says the server was lost and, later, that it is back: a handful of
lines, no traceback (issue 17). Then the service is healthy again and the lead sent during
the outage is a deal whose event went out; nothing was dead-lettered. The minute-long
version, with the bus down too and under a lead stream, is a row of `make faults`.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace

import asyncpg
import pytest

from crm_shared.devstack import EmbeddedNats, EmbeddedPostgres, free_port
from crm_shared.machinery.bus import DLQ_STREAM
from crm_shared.machinery.db import asyncpg_dsn
from tests.services import ServiceProcess, health, migrate_all, ready
from tests.support import Client, eventually, steady

# Past the first "still waiting" report (10 s), short enough for the suite.
DOWN_WINDOW = 12.0
# What the outage may cost in log lines: PostgreSQL lost, still waiting (10 s), reached; the
# relay failing and working again; the lead consumer failing and working again; and, when it
# was at work as the database went, the idle thresholds' recount failing, working again and
# its result (issue 24).
MAX_LINES = 13


def _waits_for_postgres(port: int) -> bool:
    answer = health(port)
    return answer is not None and answer[0] == 503 and answer[1]["postgres"] == "reconnecting"


async def _deal_made(url: str, external_id: str) -> bool:
    db = await asyncpg.connect(asyncpg_dsn(url))
    try:
        deals = await db.fetchval(
            "SELECT count(*) FROM deal.deals WHERE external_id = $1", external_id
        )
        unsent = await db.fetchval("SELECT count(*) FROM deal.outbox")
    finally:
        await db.close()
    return bool(deals == 1 and unsent == 0)


@pytest.mark.slow
async def test_postgres_lost_while_running_is_said_once_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    port = free_port()
    with (
        EmbeddedPostgres(tmp_path / "pg", fast=True) as pg,
        EmbeddedNats(tmp_path / "nats") as bus,
    ):
        await asyncio.to_thread(migrate_all, pg.url)
        urls = SimpleNamespace(nats_url=bus.url, database_url=pg.url)
        svc = ServiceProcess(
            "deal-service", urls, {"CRM_METRICS_PORT": str(port)}, log=tmp_path / "deal.log"
        )
        client = await Client.connect(bus.url)
        try:
            svc.start()
            await eventually(lambda: asyncio.to_thread(ready, port), timeout=60, interval=0.2)
            before = len(svc.output.splitlines())
            await asyncio.to_thread(pg.stop)
            back_at = time.monotonic() + DOWN_WINDOW
            await eventually(lambda: asyncio.to_thread(_waits_for_postgres, port), timeout=10)
            lead = await client.publish_lead(external_id="L-during-the-outage")
            window = max(0.0, back_at - time.monotonic())
            await steady(lambda: asyncio.to_thread(_waits_for_postgres, port), window, 0.5)
            await asyncio.to_thread(pg.start)
            await eventually(lambda: asyncio.to_thread(ready, port), timeout=20, interval=0.2)
            await eventually(lambda: _deal_made(pg.url, lead), timeout=60, interval=0.5)
            dead_letters = (await client.js.stream_info(DLQ_STREAM)).state.messages
        finally:
            await client.close()
            svc.stop()
    said = svc.output.splitlines()[before:]
    text = "\n".join(said)
    assert "Traceback" not in text, text
    where = f"@127.0.0.1:{pg.port}/crm"  # the user name may be masked in the log
    assert f"{where}: connection refused; reconnecting" in text, text
    assert text.count("lost PostgreSQL at") == 1, text
    assert f"{where} reached after" in text, text
    assert len([line for line in said if "SIGTERM" not in line]) <= MAX_LINES, text
    assert dead_letters == 0
