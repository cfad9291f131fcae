"""The notifier's idle watch in PostgreSQL (notifier/adapters/idle.py): due = last activity
+ the stage's threshold; later activity moves it and ends an idle stretch, older or no
activity does not; a final stage stops the watch; firing is once; a threshold that did not
change re-plans nothing, one that did re-plans its stage's deals not yet idle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from crm_shared.contracts.deal import IdleThreshold
from crm_shared.machinery.db import asyncpg_dsn
from notifier.adapters import idle as repo
from notifier.domain.idle import NO_ACTIVITY, Sighting, Touch

T0 = datetime.now(UTC) - timedelta(hours=2)
HOUR = 3600.0


def _seen(at: datetime, version: int = 1, stage: str = "NEW_LEAD") -> Sighting:
    active = stage != "WON"
    return Sighting("d1", version, stage, active, "mgr-1", "rop-1", "Сделка", "Пётр", at)


def _thresholds(new_lead: float | None) -> list[IdleThreshold]:
    source = "config" if new_lead else "none"
    return [IdleThreshold(stage="NEW_LEAD", seconds=new_lead, samples=0, source=source)]


async def _due(conn: asyncpg.Connection) -> tuple[datetime | None, datetime | None]:
    row = await conn.fetchrow("SELECT due_at, fired_at FROM notifier.idle_deals")
    assert row is not None
    return row["due_at"], row["fired_at"]


async def test_due_times_follow_activity_thresholds_and_stages(clean: Any) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        async with conn.transaction():
            assert await repo.replace_thresholds(conn, _thresholds(HOUR), T0) is None
            assert await repo.record_sightings(conn, [_seen(T0)]) == T0 + timedelta(hours=1)
            # Two hours quiet, one hour allowed: due, fired once.
            [fired] = await repo.fire_due(conn, 10)
            assert (fired.deal_id, fired.due_at) == ("d1", T0 + timedelta(hours=1))
            assert await repo.fire_due(conn, 10) == []
            assert [r.deal_id for r in await repo.idle_among(conn, ["d1", "d2"])] == ["d1"]
            # An older sighting and an erasure change no due time and no idle stretch.
            await repo.record_sightings(conn, [_seen(T0 - timedelta(hours=1))])
            await repo.record_sightings(conn, [_seen(NO_ACTIVITY, version=2)])
            due, fired_at = await _due(conn)
            assert due == T0 + timedelta(hours=1) and fired_at is not None
            # A note now: a new due time, no longer idle.
            now = datetime.now(UTC)
            assert await repo.record_touches(conn, [Touch("d1", now)]) == now + timedelta(hours=1)
            assert await _due(conn) == (now + timedelta(hours=1), None)
            # The same threshold again re-plans nothing; a new one re-plans the stage.
            later = T0 + timedelta(minutes=1)
            assert await repo.replace_thresholds(conn, _thresholds(HOUR), later) is None
            again = T0 + timedelta(minutes=2)
            planned = await repo.replace_thresholds(conn, _thresholds(2 * HOUR), again)
            assert planned == now + timedelta(hours=2)
            # Won: no longer watched.
            await repo.record_sightings(conn, [_seen(now, version=3, stage="WON")])
            assert await _due(conn) == (None, None)
            nearest, _ = await repo.nearest_due(conn)
            assert nearest is None
            raise _Rollback
    except _Rollback:
        pass
    finally:
        await conn.close()


class _Rollback(Exception):
    """Leave the database as it was."""
