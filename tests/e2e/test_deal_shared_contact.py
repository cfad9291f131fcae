"""Rule 4 across the deals of one contact, under concurrency: a move that needs the contact's
fields and an update that empties them through another deal wait for each other on the
contact's row, so that neither decides on a contact the other is changing.

The other side of each race is this test's own transaction on the real database, holding
the row as the service's other command would; the command is seen waiting on it in
pg_stat_activity before the transaction commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from crm_shared.machinery.db import asyncpg_dsn
from tests.configs import config_with
from tests.services import running
from tests.support import Client, eventually

FULL = {
    "contact": {"name": "Ян", "phone": "+79001112233"},
    "requirements": "r",
    "amount": "1.00",
    "subject": "s",
    "delivery_method": "pickup",
}


@asynccontextmanager
async def two_deals(
    clean: Any, client: Client, replicas: int = 1
) -> AsyncIterator[tuple[str, str, str]]:
    """Deal A in PROCESSING and deal B in NEW_LEAD on one contact (professional plan, where
    OFFER_MADE needs the contact's phone): yields their ids and the contact's."""
    services = ["deal-service"] * replicas
    async with running(clean, *services, config=config_with("professional")):
        a = (await client.cmd("deal.create", actor_id="mgr-1", **FULL))["deal"]
        move = {"actor_id": "mgr-1", "deal_id": a["id"], "to_stage": "PROCESSING"}
        assert (await client.cmd("deal.move", **move))["ok"]
        contact_id = a["contact"]["id"]
        b = (await client.cmd("deal.create", actor_id="mgr-1", contact_id=contact_id))["deal"]
        yield a["id"], b["id"], contact_id


async def waiting_on_a_lock(conn: asyncpg.Connection) -> bool:
    """Whether some other session waits for a row lock (the service's command)."""
    return bool(
        await conn.fetchval(
            """SELECT count(*) FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"""
        )
    )


async def test_a_move_waits_for_an_update_emptying_the_contact_and_is_refused(
    clean: Any, client: Client
) -> None:
    async with two_deals(clean, client) as (a, _, contact_id):
        conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
        try:
            tx = conn.transaction()
            await tx.start()
            # An update through B, half done: the row held, the phone emptied, not committed.
            await conn.execute(
                "UPDATE deal.contacts SET phone = NULL, phone_norm = NULL WHERE id = $1",
                contact_id,
            )
            move = asyncio.create_task(
                client.cmd("deal.move", actor_id="mgr-1", deal_id=a, to_stage="OFFER_MADE")
            )
            await eventually(lambda: waiting_on_a_lock(conn))
            assert not move.done()
            await tx.commit()
            reply = await move
        finally:
            await conn.close()
    assert reply["error"]["code"] == "missing_fields", reply
    assert reply["error"]["missing_fields"] == ["contact.phone"]


async def test_an_update_waits_for_a_move_needing_the_contact_and_is_refused(
    clean: Any, client: Client
) -> None:
    async with two_deals(clean, client) as (a, b, contact_id):
        conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
        try:
            tx = conn.transaction()
            await tx.start()
            # A move of A, half done: the contact held to be read, A already in OFFER_MADE.
            await conn.execute("SELECT 1 FROM deal.contacts WHERE id = $1 FOR SHARE", contact_id)
            await conn.execute("UPDATE deal.deals SET stage = 'OFFER_MADE' WHERE id = $1", a)
            blank = {"contact": {"phone": None}}
            update = asyncio.create_task(
                client.cmd("deal.update", actor_id="mgr-1", deal_id=b, fields=blank)
            )
            await eventually(lambda: waiting_on_a_lock(conn))
            assert not update.done()
            await tx.commit()
            reply = await update
        finally:
            await conn.close()
    assert reply["error"]["code"] == "missing_fields", reply
    assert reply["error"]["missing_fields"] == ["contact.phone"]
    assert a in reply["error"]["message"]


async def test_the_contact_changed_through_both_deals_at_once_is_never_refused(
    clean: Any, client: Client
) -> None:
    """Edits of the contact through A and through B at the same time lock the two deals in
    opposite orders (each its own first, then the contact's others): PostgreSQL may find a
    deadlock, and the service retries the loser; no edit is refused or lost, and both deals
    end with the same contact, each DealUpdated a version of its own. Two replicas: one
    handles a subject's requests one at a time."""
    async with two_deals(clean, client, replicas=2) as (a, b, _):

        async def read(deal_id: str) -> dict[str, Any]:
            got = await client.request(
                "crm.query.deal.get", {"actor_id": "mgr-1", "deal_id": deal_id}
            )
            return dict(got["deal"])

        before = {d: (await read(d))["version"] for d in (a, b)}
        rounds = 12
        for n in range(rounds):
            replies = await asyncio.gather(
                *(
                    client.cmd("deal.update", actor_id="mgr-1", deal_id=deal,
                               fields={"contact": {"name": f"{who}{n}"}})
                    for deal, who in ((a, "А"), (b, "Б"))
                )
            )  # fmt: skip
            assert all(r["ok"] for r in replies), replies
        seen = {d: await read(d) for d in (a, b)}
    assert seen[a]["contact"] == seen[b]["contact"]
    assert seen[a]["contact"]["name"] in {f"А{rounds - 1}", f"Б{rounds - 1}"}
    for deal in (a, b):  # each edit is a version of both deals
        assert seen[deal]["version"] == before[deal] + 2 * rounds
