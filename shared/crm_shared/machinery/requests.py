"""Commands are idempotent on retry: the first reply to a `request_id`, kept for 24 hours.

A client that timed out does not know whether its command was applied; it sends the same
body with the same `request_id` again. The key is (actor_id, request_id) in the service's
own `handled_requests` table:

- while the command runs, its key is in a context variable; the command's unit of work
  writes the key in the same transaction as its changes (`UnitOfWork.commit`), so the change
  and the mark that it happened commit together or not at all, with no handler knowing;
- after the handler returned, the reply is stored on that row (or a new one, when the
  command changed nothing), and a retry gets it back unchanged;
- a retry while the first is still running waits on the row's unique key and then gets
  `unavailable` (try again); one whose first reply was lost in a crash between commit and
  reply gets `invalid`, as the command did happen.

`RequestPruner` deletes rows older than REQUEST_RETENTION along with the inbox's; a key used
again after that time is a new request even before the pruner came by (`find` deletes the old
row first, or the insert of the same key would fail until the pruner ran).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import asyncpg

from crm_shared.machinery.request_key import PendingRequest

if TYPE_CHECKING:
    from crm_shared.machinery.outbox import UnitOfWork

REQUEST_RETENTION = timedelta(hours=24)
# A row without a reply older than this is not a command still running but a lost reply.
_LOST_AFTER = timedelta(seconds=60)


def requests_ddl(schema: str) -> list[str]:
    """DDL of the table of handled requests, for a service's migration."""
    return [
        f"""CREATE TABLE "{schema}".handled_requests (
            actor_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            reply TEXT,
            received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            PRIMARY KEY (actor_id, request_id)
        )""",
        f"""CREATE INDEX handled_requests_received_at
            ON "{schema}".handled_requests USING brin (received_at)""",
    ]


def drop_requests_ddl(schema: str) -> list[str]:
    """Undo `requests_ddl`."""
    return [f'DROP TABLE IF EXISTS "{schema}".handled_requests']


@dataclass
class Previous:
    """What is known of an earlier request with the same key."""

    subject: str
    reply: dict[str, Any] | None
    lost: bool


async def find(uow: Callable[[], UnitOfWork], key: PendingRequest) -> Previous | None:
    """The earlier request with this key in the last 24 hours, if any.

    A row of the key older than that is deleted, and that committed, so that the command
    can record the key again.
    """
    async with uow() as unit:
        # Both parts see the table as it was: the SELECT finds only a row the DELETE keeps.
        row = await unit.conn.fetchrow(
            f"""WITH stale AS (
                    DELETE FROM "{unit.schema}".handled_requests
                    WHERE actor_id = $1 AND request_id = $2
                      AND received_at <= now() - $4::interval)
                SELECT subject, reply, received_at < now() - $3::interval AS lost
                FROM "{unit.schema}".handled_requests
                WHERE actor_id = $1 AND request_id = $2 AND received_at > now() - $4::interval""",
            key.actor_id,
            key.request_id,
            _LOST_AFTER,
            REQUEST_RETENTION,
        )
        await unit.commit()
    if row is None:
        return None
    reply = json.loads(row["reply"]) if row["reply"] is not None else None
    return Previous(subject=row["subject"], reply=reply, lost=bool(row["lost"]))


async def remember(
    conn: asyncpg.Connection, schema: str, key: PendingRequest, reply: dict[str, Any]
) -> None:
    """Store the reply of a handled request (on the row its transaction wrote, if any)."""
    await conn.execute(
        f"""INSERT INTO "{schema}".handled_requests (actor_id, request_id, subject, reply)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (actor_id, request_id) DO UPDATE SET reply = EXCLUDED.reply
            WHERE handled_requests.reply IS NULL""",
        key.actor_id,
        key.request_id,
        key.subject,
        json.dumps(reply, ensure_ascii=False),
    )
