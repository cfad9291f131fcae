"""A person's data in the deal's story (a tester's report): `crm contact export` showed neither
the deal's feed notes nor its field journal, and `crm contact erase`, which said it erased
«названия и заметки его сделок», left the note «Вера Орлова, муж Олег, тел. …», the journal's
«Требования: … → … +7 912 600-70-80» and Требования itself on the deal card. On the real
stack: the export holds the story, and after the erasure neither the story (deal-service's
crm.query.deal.timeline, what the card shows) nor `crm deal show` names the person, while
who did what, the stage and the amount stay."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from crm_shared.config import config_from_data
from crm_shared.contracts.deal import ERASED
from crm_shared.machinery.db import asyncpg_dsn
from tests.e2e.test_contact_erasure import crm, export
from tests.notifier_support import MGR, ROP, config_data
from tests.services import running
from tests.support import Client, eventually

pytestmark = pytest.mark.usefixtures("notifier_fast")
WISH = "Вера Николаевна просит звонить после 18:00 на +7 912 600-70-80"
NOTE = "Вера Орлова, муж Олег, тел. 8-912-600-70-80"
ATTEMPT = "Трубку взял Олег, Вера Орлова будет после 18"
COMMENT = "Орлова Вера: нужны поддоны к пятнице"
# The person's name, her husband's, her phones as typed and as normalised.
TRACES = ("Орлова", "Олег", "Вера Н", "600-70-8", "9126007080", "9126007081", "555-10-20")


async def story(client: Client, deal_id: str) -> list[dict[str, Any]]:
    body = {"actor_id": ROP, "deal_id": deal_id, "limit": 200}
    reply = await client.request("crm.query.deal.timeline", body)
    assert reply["ok"] and not reply["next_cursor"], reply
    items: list[dict[str, Any]] = reply["items"]
    return items


def kinds(items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return sorted((i["kind"], i["actor_id"]) for i in items)


async def test_the_story_exported_then_erased(clean: Any, client: Client) -> None:
    cfg = config_from_data(config_data(deadline=3600), source="test")
    async with running(clean, "deal-service", "task-service", "notifier", config=cfg):
        ext = await client.publish_lead(
            title="Поддоны для склада", responsible_id=MGR, amount="48000", comment=COMMENT,
            contact={"name": "Вера Орлова", "phone": "+7 912 555-10-20"},
            requirements="200 поддонов, европоддон",
        )  # fmt: skip
        deal = await eventually(lambda: client.deal_by_external(ext))
        deal_id, contact_id = deal["id"], deal["contact"]["id"]
        steps: list[tuple[str, dict[str, Any]]] = [
            ("deal.update", {"fields": {"requirements": WISH}}),
            ("deal.update", {"fields": {"contact": {"phone": "+7 912 600-70-81"}}}),
            ("deal.note", {"text": NOTE}),
            ("deal.contact_attempt", {"note": ATTEMPT}),
        ]
        for name, body in steps:
            done = await client.cmd(name, actor_id=MGR, deal_id=deal_id, **body)
            assert done["ok"], (name, done)
        before = await story(client, deal_id)

        text, data = await export(clean, contact_id)
        (exported,) = data["deals"]
        assert exported["requirements"] == WISH and exported["comment"] == COMMENT
        assert kinds(exported["story"]) == kinds(before)
        items = {i["kind"]: i for i in exported["story"] if i["kind"] != "field_changed"}
        assert items["note"]["text"] == NOTE and items["contact_attempt"]["note"] == ATTEMPT
        changes = [c for i in exported["story"] for c in i.get("changes", [])]
        wish = {"field": "requirements", "from": "200 поддонов, европоддон", "to": WISH}
        assert wish in changes
        assert {"field": "contact.phone", "from": "+79125551020", "to": "+79126007081"} in changes
        assert text.count("муж Олег") == 1

        erased = await crm(clean, ROP, "contact", "erase", "--yes", contact_id)
        assert erased.exit_code == 0, erased.output
        said = " ".join(erased.stdout.split())
        for part in ("имя, телефон и e-mail", "в его сделках (1)", "Требования",
                     "комментарии лидов", "заметки в ленте и к попыткам связи",
                     "значения этих полей и контакта в журнале изменений",
                     "где имя набрано иначе"):  # fmt: skip
            assert part in said, said

        after = await story(client, deal_id)
        assert kinds(after) == kinds(before)  # who did what, and when, stays
        assert not [t for t in TRACES if t in json.dumps(after, ensure_ascii=False)]
        items = {i["kind"]: i for i in after if i["kind"] != "field_changed"}
        assert items["note"]["text"] == ERASED and items["contact_attempt"]["note"] == ERASED
        changes = [c for i in after for c in i.get("changes", [])]
        assert {"field": "requirements", "from": ERASED, "to": ERASED} in changes

        shown = await crm(clean, ROP, "--json", "deal", "show", deal_id)
        told = await crm(clean, ROP, "deal", "show", deal_id)
        assert shown.exit_code == 0 and told.exit_code == 0, (shown.output, told.output)
        for output in (shown.stdout, told.stdout):
            assert not [t for t in TRACES if t in output], output
        card = json.loads(shown.stdout)
        card = card.get("deal", card)
        assert (card["requirements"], card["comment"], card["title"]) == (ERASED,) * 3
        assert (card["stage"], float(card["amount"])) == (deal["stage"], 48000.0)

        async def gone() -> bool:
            text, _ = await export(clean, contact_id)
            return not [t for t in TRACES if t in text]

        await eventually(gone)
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        left = await conn.fetchval(
            """SELECT (SELECT count(*) FROM deal.journal WHERE data::text ~ 'Орлова|Олег|600-70')
                    + (SELECT count(*) FROM deal.contact_attempts WHERE note ~ 'Орлова|Олег')
                    + (SELECT count(*) FROM deal.deals WHERE deals::text ~ 'Орлова|Олег|600-70')"""
        )
    finally:
        await conn.close()
    assert left == 0
