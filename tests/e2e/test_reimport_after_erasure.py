"""A re-import does not undo an erasure (a helper's review of the erasure): a deal imported
from Bitrix24, its contact erased here, then imported again after it changed there, took the
person's name, phone and the deal's title back from the source, which still holds them. On
the real deal-service: the person's texts stay erased, what is not theirs (the amount, the
stage) is brought over as before."""

from __future__ import annotations

from typing import Any

import asyncpg

from crm_shared.config import config_from_data
from crm_shared.contracts.deal import ERASED
from crm_shared.machinery.db import asyncpg_dsn
from tests.notifier_support import ROP, config_data
from tests.services import running
from tests.support import Client

PERSON = {"name": "Вера Орлова", "phone": "+7 912 555-10-20", "email": "vera@example.com"}


def imported(modified: str, stages: list[str], **values: Any) -> dict[str, Any]:
    return {
        "actor_id": ROP, "source": "bitrix24", "external_id": "b24-77", "contact": PERSON,
        "title": "Поддоны для Веры Орловой", "requirements": "Вере Орловой: 200 поддонов",
        "created_at": "2026-11-02T07:00:00Z", "modified_at": modified,
        "history": [
            {"stage": s, "at": f"2026-11-0{n + 2}T08:00:00Z"} for n, s in enumerate(stages)
        ],
        **values,
    }  # fmt: skip


async def test_a_reimport_keeps_the_person_erased(clean: Any, client: Client) -> None:
    cfg = config_from_data(config_data(deadline=3600), source="test")
    async with running(clean, "deal-service", config=cfg):
        first = await client.cmd(
            "deal.import", **imported("2026-11-02T09:00:00Z", ["NEW_LEAD"], amount="1000")
        )
        assert first["ok"] and first["imported"], first
        deal_id, contact_id = first["deal"]["id"], first["deal"]["contact"]["id"]
        erased = await client.cmd("deal.erase_contact", actor_id=ROP, contact_id=contact_id)
        assert erased["ok"], erased

        again = await client.cmd(
            "deal.import",
            **imported("2026-11-04T09:00:00Z", ["NEW_LEAD", "PROCESSING"], amount="2000"),
        )
        assert again["ok"] and not again["imported"], again
        deal = again["deal"]
        assert (deal["stage"], deal["amount"]) == ("PROCESSING", "2000"), deal
        assert deal["title"] == ERASED and deal["requirements"] == ERASED, deal
        contact = deal["contact"]
        assert (contact["name"], contact.get("phone"), contact.get("email")) == (ERASED, None, None)
        assert not {"title", "requirements", "contact.name", "contact.phone"} & set(
            again["changed"]
        ), again

        conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
        try:
            row = await conn.fetchrow(
                "SELECT name, phone, phone_norm, email_norm FROM deal.contacts WHERE id = $1",
                contact_id,
            )
            journal = await conn.fetchval(
                """SELECT count(*) FROM deal.journal
                   WHERE deal_id = $1 AND data::text LIKE '%Орлов%'""",
                deal_id,
            )
        finally:
            await conn.close()
        assert dict(row) == {"name": ERASED, "phone": None, "phone_norm": None, "email_norm": None}
        assert journal == 0
