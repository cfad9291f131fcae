"""The deals the notifier watches for idleness, in PostgreSQL (schema `notifier`).

`idle_deals` holds a row per deal seen, with its last activity and `due_at` (that plus its
stage's threshold; null when the stage is final or has none). Watching reads only the head
of the partial index `idle_deals_due` (not fired, ordered by due_at), so it costs the same
for ten deals or a million. `idle_thresholds` is the copy of deal-service's thresholds;
`idle_digests` one row per local day a digest went out (so replicas send it once).
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from crm_shared.contracts.deal import IdleThreshold
from notifier.domain.idle import NO_ACTIVITY, IdleRow, Sighting, Touch
from notifier.settings import SCHEMA

_FIELDS = ("stage", "active", "responsible_id", "rop_id", "title", "contact_name")
# A stage's threshold as an interval (null: not watched), for the row `w`.
_THRESHOLD = f"""make_interval(secs => (SELECT t.seconds FROM {SCHEMA}.idle_thresholds t
                                         WHERE t.stage = w.stage))"""
_DUE = f"CASE WHEN w.active THEN w.last_activity_at + {_THRESHOLD} END"


_RETURNING = """deal_id, stage, responsible_id, rop_id, title, contact_name,
                last_activity_at, due_at, fired_at"""


def _row(r: asyncpg.Record) -> IdleRow:
    return IdleRow(**dict(r))


async def record_sightings(conn: asyncpg.Connection, seen: list[Sighting]) -> datetime | None:
    """Upsert the deals as seen (a newer version's fields win; the latest activity wins;
    newer activity ends an idle stretch), then plan their due times; returns the nearest."""
    if not seen:
        return None
    newer = ", ".join(
        f"{c} = CASE WHEN EXCLUDED.version >= w.version THEN EXCLUDED.{c} ELSE w.{c} END"
        for c in _FIELDS
    )
    await conn.execute(
        f"""INSERT INTO {SCHEMA}.idle_deals AS w
                (deal_id, version, {", ".join(_FIELDS)}, last_activity_at)
            SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bool[], $5::text[],
                                 $6::text[], $7::text[], $8::text[], $9::timestamptz[])
                     AS t(deal_id, version, stage, active, responsible_id, rop_id, title,
                          contact_name, at)
            -- a sighting that is no activity (an erasure) updates copies, starts no watch
            WHERE t.at > $10 OR EXISTS (SELECT 1 FROM {SCHEMA}.idle_deals d
                                        WHERE d.deal_id = t.deal_id)
            ON CONFLICT (deal_id) DO UPDATE SET {newer},
                version = greatest(w.version, EXCLUDED.version),
                fired_at = CASE WHEN EXCLUDED.last_activity_at > w.last_activity_at
                                THEN NULL ELSE w.fired_at END,
                last_activity_at = greatest(w.last_activity_at, EXCLUDED.last_activity_at)""",
        [s.deal_id for s in seen],
        [s.version for s in seen],
        [s.stage for s in seen],
        [s.active for s in seen],
        [s.responsible_id for s in seen],
        [s.rop_id for s in seen],
        [s.title for s in seen],
        [s.contact_name for s in seen],
        [s.at for s in seen],
        NO_ACTIVITY,
    )
    return await conn.fetchval(
        f"""WITH planned AS (
                UPDATE {SCHEMA}.idle_deals w
                SET due_at = {_DUE}, fired_at = CASE WHEN w.active THEN w.fired_at END
                WHERE w.deal_id = ANY($1::text[])
                RETURNING due_at, fired_at)
            SELECT min(due_at) FROM planned WHERE fired_at IS NULL""",
        [s.deal_id for s in seen],
    )


async def record_touches(conn: asyncpg.Connection, touches: list[Touch]) -> datetime | None:
    """Later activity on deals already watched (a note, a task done): a new due time, the
    idle stretch over; returns the nearest due time. An unknown deal is left for its own
    events (every deal's creation is a StageChanged)."""
    if not touches:
        return None
    return await conn.fetchval(
        f"""WITH planned AS (
                UPDATE {SCHEMA}.idle_deals w
                SET last_activity_at = t.at, fired_at = NULL,
                    due_at = CASE WHEN w.active THEN t.at + {_THRESHOLD} END
                FROM unnest($1::text[], $2::timestamptz[]) AS t(deal_id, at)
                WHERE w.deal_id = t.deal_id AND t.at > w.last_activity_at
                RETURNING w.due_at)
            SELECT min(due_at) FROM planned""",
        [t.deal_id for t in touches],
        [t.at for t in touches],
    )


async def replace_thresholds(
    conn: asyncpg.Connection, items: list[IdleThreshold], computed_at: datetime
) -> datetime | None:
    """Keep these thresholds (older copies are ignored) and plan the due time of every deal
    not yet idle in a stage whose threshold changed; returns the nearest due time."""
    # Only a stage whose number changed re-plans its deals: deal-service publishes at every
    # start, and most nights nothing moves. (`kept` reads the snapshot before the upsert.)
    changed = await conn.fetch(
        f"""WITH kept AS (SELECT stage, seconds FROM {SCHEMA}.idle_thresholds),
            put AS (
                INSERT INTO {SCHEMA}.idle_thresholds AS o
                    (stage, seconds, samples, source, computed_at)
                SELECT * FROM unnest($1::text[], $2::float8[], $3::int[], $4::text[])
                         CROSS JOIN (SELECT $5::timestamptz) AS c
                ON CONFLICT (stage) DO UPDATE
                SET seconds = EXCLUDED.seconds, samples = EXCLUDED.samples,
                    source = EXCLUDED.source, computed_at = EXCLUDED.computed_at
                WHERE o.computed_at < EXCLUDED.computed_at
                RETURNING stage, seconds)
            SELECT put.stage FROM put LEFT JOIN kept ON kept.stage = put.stage
            WHERE kept.stage IS NULL OR kept.seconds IS DISTINCT FROM put.seconds""",
        [t.stage for t in items],
        [t.seconds for t in items],
        [t.samples for t in items],
        [t.source for t in items],
        computed_at,
    )
    if not changed:
        return None
    return await conn.fetchval(
        f"""WITH planned AS (
                UPDATE {SCHEMA}.idle_deals w SET due_at = {_DUE}
                WHERE w.stage = ANY($1::text[]) AND w.fired_at IS NULL AND w.active
                RETURNING due_at)
            SELECT min(due_at) FROM planned""",
        [r["stage"] for r in changed],
    )


async def thresholds(conn: asyncpg.Connection) -> tuple[list[IdleThreshold], datetime | None]:
    """The thresholds kept, and when they were computed (None: none yet)."""
    rows = await conn.fetch(
        f"SELECT stage, seconds, samples, source, computed_at FROM {SCHEMA}.idle_thresholds"
    )
    items = [
        IdleThreshold(
            stage=r["stage"], seconds=r["seconds"], samples=r["samples"], source=r["source"]
        )
        for r in rows
    ]
    return items, max((r["computed_at"] for r in rows), default=None)


async def nearest_due(conn: asyncpg.Connection) -> tuple[datetime | None, datetime]:
    """The earliest due time still to fire (None if there is none), and the database's now."""
    row = await conn.fetchrow(
        f"""SELECT min(due_at) AS nearest, clock_timestamp() AS now
            FROM {SCHEMA}.idle_deals WHERE fired_at IS NULL AND due_at IS NOT NULL"""
    )
    assert row is not None
    return row["nearest"], row["now"]


async def fire_due(conn: asyncpg.Connection, limit: int) -> list[IdleRow]:
    """Mark up to `limit` deals past their due time as idle and return them (SKIP LOCKED:
    replicas fire at once without repeating each other, as the deadlines do)."""
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.idle_deals SET fired_at = now()
            WHERE deal_id IN (
                SELECT deal_id FROM {SCHEMA}.idle_deals
                WHERE fired_at IS NULL AND due_at IS NOT NULL AND due_at <= now()
                ORDER BY due_at LIMIT $1
                FOR UPDATE SKIP LOCKED)
            RETURNING {_RETURNING}""",
        limit,
    )
    return sorted((_row(r) for r in rows), key=lambda r: r.due_at)


async def idle_among(conn: asyncpg.Connection, deal_ids: list[str]) -> list[IdleRow]:
    """Those of the deals idle now."""
    rows = await conn.fetch(
        f"""SELECT {_RETURNING} FROM {SCHEMA}.idle_deals
            WHERE deal_id = ANY($1::text[]) AND fired_at IS NOT NULL""",
        deal_ids,
    )
    return [_row(r) for r in rows]


async def all_idle(conn: asyncpg.Connection, limit: int) -> list[IdleRow]:
    """The deals idle now, idle longest first (on the partial index `idle_deals_idle`)."""
    rows = await conn.fetch(
        f"""SELECT {_RETURNING} FROM {SCHEMA}.idle_deals
            WHERE fired_at IS NOT NULL ORDER BY due_at LIMIT $1""",
        limit,
    )
    return [_row(r) for r in rows]


async def count_idle(conn: asyncpg.Connection) -> list[tuple[str, str | None, int]]:
    """(stage, responsible, how many idle) for the gauge."""
    rows = await conn.fetch(
        f"""SELECT stage, responsible_id, count(*) AS n FROM {SCHEMA}.idle_deals
            WHERE fired_at IS NOT NULL GROUP BY stage, responsible_id"""
    )
    return [(r["stage"], r["responsible_id"], int(r["n"])) for r in rows]


async def claim_digest(conn: asyncpg.Connection, day: date) -> bool:
    """Whether this replica sends `day`'s digest (the first to claim the day does)."""
    row = await conn.fetchval(
        f"""INSERT INTO {SCHEMA}.idle_digests (day) VALUES ($1)
            ON CONFLICT (day) DO NOTHING RETURNING day""",
        day,
    )
    return row is not None
