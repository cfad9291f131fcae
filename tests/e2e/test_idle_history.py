"""Issue 24 §3 on real servers: a stage's threshold is the 80th percentile of the forward
moves out of it in the last 90 days (PostgreSQL's percentile_cont over the stage history),
published by deal-service and kept by the notifier; the РОП's digest lists the idle deals
once a day whatever is asked twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from crm_shared.locale import today
from crm_shared.machinery.db import asyncpg_dsn
from notifier.handlers.idle_queries import send_digest
from tests.configs import config_with, stage_data
from tests.services import running
from tests.support import Client, eventually

pytestmark = pytest.mark.usefixtures("notifier_fast")
H = timedelta(hours=1)


async def _history(database_url: str) -> None:
    """25 deals that left NEW_LEAD forward after 1..25 hours (within the window), 5 that
    left it for a loss after 100 hours and 5 that left it forward 120 days ago: only the
    first 25 count."""
    now = datetime.now(UTC)
    walks = [(f"h{i}", now - timedelta(days=10), (i + 1) * H, "PROCESSING") for i in range(25)]
    walks += [(f"l{i}", now - timedelta(days=10), 100 * H, "LOST_SPAM") for i in range(5)]
    walks += [(f"o{i}", now - timedelta(days=130), 200 * H, "PROCESSING") for i in range(5)]
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for deal_id, created, stay, to_stage in walks:
            await conn.execute(
                """INSERT INTO deal.deals (id, version, stage, currency, responsible_id,
                     created_at, updated_at) VALUES ($1, 2, $2, 'RUB', 'mgr-1', $3, $4)""",
                deal_id, to_stage, created, created + stay,
            )  # fmt: skip
            for version, (from_stage, to, at) in enumerate(
                [(None, "NEW_LEAD", created), ("NEW_LEAD", to_stage, created + stay)], start=1
            ):
                await conn.execute(
                    """INSERT INTO deal.stage_history
                         (deal_id, from_stage, to_stage, version, actor_id, at)
                       VALUES ($1, $2, $3, $4, 'mgr-1', $5)""",
                    deal_id, from_stage, to, version, at,
                )  # fmt: skip
    finally:
        await conn.close()


async def test_the_threshold_is_the_80th_percentile_of_forward_moves(
    clean: Any, client: Client
) -> None:
    await _history(clean.database_url)
    published = await client.record("crm.deal.idle_thresholds")
    cfg = config_with(change=lambda d: stage_data(d, "PROCESSING").update(idle_after="P3D"))
    async with running(clean, "deal-service", "notifier", config=cfg):
        [event] = await eventually(lambda: published.data("crm.deal.idle_thresholds"))
        by_stage = {t["stage"]: t for t in event["items"]}
        # 1..25 hours: percentile_cont(0.8) is 20 h + 0.2 of the next hour.
        assert by_stage["NEW_LEAD"] == {
            "stage": "NEW_LEAD", "seconds": 20.2 * 3600, "samples": 25, "source": "history"
        }  # fmt: skip
        assert by_stage["PROCESSING"]["source"] == "config"  # no moves out of it yet
        assert by_stage["PROCESSING"]["seconds"] == 3 * 24 * 3600
        assert by_stage["OFFER_MADE"] == {
            "stage": "OFFER_MADE", "seconds": None, "samples": 0, "source": "none"
        }  # fmt: skip

        async def kept() -> Any:
            reply = await client.request("crm.query.notify.idle_thresholds", {"actor_id": "rop-1"})
            return reply if reply.get("items") else None

        reply = await eventually(kept)
        assert [t["stage"] for t in reply["items"]][:2] == ["NEW_LEAD", "PROCESSING"]
        assert reply["items"][0]["seconds"] == 20.2 * 3600


def _quick(data: dict[str, Any]) -> None:
    stage_data(data, "NEW_LEAD")["idle_after"] = "PT1S"
    data["notifications"]["idle_digest_at"] = None  # sent by hand below


async def test_the_rops_digest_lists_the_idle_deals_once_a_day(clean: Any, client: Client) -> None:
    notes = await client.record("crm.notify.>")
    cfg = config_with(change=_quick)
    async with running(clean, "deal-service", "notifier", config=cfg) as [_, notifier]:
        await client.publish_lead(title="Забытый лид", contact={"name": "Ольга"})
        await eventually(
            lambda: [n for _, n in notes.messages if n["data"]["kind"] == "deal_idle"],
            timeout=30,
        )
        day = today(cfg.zone())
        assert await send_digest(notifier.ctx, day) == 1
        assert await send_digest(notifier.ctx, day) == 0  # the day was claimed: not again
        digests = await eventually(lambda: notes.data("crm.notify.rop-1"))
        [digest] = [d for d in digests if d["kind"] == "idle_digest"]
        assert digest["text"].startswith("Засидевшихся сделок: 1.")
        assert "Забытый лид — Новый лид" in digest["text"] and "без движения" in digest["text"]
