"""A refusal and the move that settles it, in two transactions at once, on the real
PostgreSQL: the refusal's transaction looked at the deal (not there yet) and was still to
commit its notice when the move's transaction settled refusals, which could not see that
notice yet; both committed and the refusal stayed unread. Both now take the deal's refusal
lock first, so the move's settling waits for the refusal's commit and then sees its notice.
The steps are taken one by one here, so the interleaving is fixed, not left to timing.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from crm_shared.machinery.db import asyncpg_dsn
from notifier.adapters import inbox
from notifier.domain.refusals import Reached, Refusal


async def test_the_move_settles_a_refusal_committed_while_it_waited(clean: Any) -> None:
    dsn = asyncpg_dsn(clean.database_url)
    deal_id, note_id = f"deal-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    refusal, move = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await refusal.execute(
            """INSERT INTO notifier.idle_deals (deal_id, version, stage, active, last_activity_at)
               VALUES ($1, 1, 'NEW_LEAD', true, now())""",
            deal_id,
        )
        # the refusal's transaction: the deal is not in PROCESSING yet, so the notice is unread
        tx_refusal = refusal.transaction()
        await tx_refusal.start()
        settled = await inbox.settled_already(refusal, {note_id: Refusal(deal_id, "PROCESSING", 1)})
        assert settled == set()
        # the move's transaction, meanwhile: the deal enters PROCESSING, and it settles
        tx_move = move.transaction()
        await tx_move.start()
        await move.execute(
            """UPDATE notifier.idle_deals SET stage = 'PROCESSING', version = 2
               WHERE deal_id = $1""",
            deal_id,
        )
        settling = asyncio.create_task(
            inbox.read_refusals(move, [Reached(deal_id, "PROCESSING", 2)])
        )
        await asyncio.sleep(0.5)
        assert not settling.done()  # it waits for the refusal's transaction
        await refusal.execute(
            """INSERT INTO notifier.notifications
                   (id, user_id, kind, text, deal_id, stage, deal_version)
               VALUES ($1, 'mgr-1', 'move_rejected', 'нельзя перевести', $2, 'PROCESSING', 1)""",
            note_id,
            deal_id,
        )
        await tx_refusal.commit()
        read = await asyncio.wait_for(settling, 10)
        await tx_move.commit()
        assert read == [("mgr-1", deal_id, note_id)]
        row = await refusal.fetchrow(
            "SELECT read_at FROM notifier.notifications WHERE id = $1", note_id
        )
        assert row is not None and row["read_at"] is not None
    finally:
        for conn in (refusal, move):
            await conn.close()
