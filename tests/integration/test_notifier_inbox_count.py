"""The inbox's page and its unread count are one reading, on the real PostgreSQL.

They were two statements: a notice marked read between them (a refusal settled, another tab's
«Отметить все прочитанными») gave a page and a count that disagreed, as a full suite's run
once saw (a count of 1 beside two items both unread). Here another connection keeps marking
one notice read and unread again while the inbox is read; every answer's count must be what
its own page shows (the page holds the whole inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import asyncpg

from crm_shared.machinery.db import asyncpg_dsn
from notifier.adapters import inbox

USER = "u-count"
SINCE = datetime(2000, 1, 1, tzinfo=UTC)


async def _flip(dsn: str, stop: asyncio.Event) -> int:
    """Mark notice n2 read and unread again, each its own commit, until told to stop."""
    conn = await asyncpg.connect(dsn)
    flips = 0
    try:
        while not stop.is_set():
            await conn.execute(
                """UPDATE notifier.notifications
                   SET read_at = CASE WHEN read_at IS NULL THEN now() END WHERE id = 'n2'"""
            )
            flips += 1
            await asyncio.sleep(0)
    finally:
        await conn.close()
    return flips


async def test_the_unread_count_is_the_pages_own(clean: Any) -> None:
    dsn = asyncpg_dsn(clean.database_url)
    conn = await asyncpg.connect(dsn)
    stop = asyncio.Event()
    try:
        await conn.execute(
            """INSERT INTO notifier.notifications (id, user_id, kind, text, deal_id)
               SELECT 'n' || n, $1, 'move_rejected', 'нельзя перевести', 'd1'
               FROM generate_series(1, 3) n""",
            USER,
        )
        flipper = asyncio.create_task(_flip(dsn, stop))
        disagreed = []
        for _ in range(400):
            items, unread, _ = await inbox.list_items(
                conn, USER, unread_only=False, since=SINCE, limit=10, cursor=None
            )
            assert len(items) == 3
            shown = sum(not item.read for item in items)
            if shown != unread:
                disagreed.append((shown, unread))
        stop.set()
        flips = await flipper
        assert flips > 50, flips  # the inbox did change while it was read
        assert disagreed == [], f"{len(disagreed)} of 400: {disagreed[:5]}"
        # an empty page still says the count: nothing unread of hers, none listed
        items, unread, cursor = await inbox.list_items(
            conn, "nobody", unread_only=True, since=SINCE, limit=10, cursor=None
        )
        assert (items, unread, cursor) == ([], 0, None)
        items, unread, _ = await inbox.list_items(
            conn, USER, unread_only=True, since=SINCE, limit=1, cursor=None
        )
        assert len(items) == 1 and unread >= 2
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await conn.execute("DELETE FROM notifier.notifications WHERE user_id = $1", USER)
        await conn.close()
