"""`crm import bitrix24` against a stand-in portal over HTTP, and again after the portal
changed: the contacts' own UF_CRM_* fields carried to our contact's; a field emptied there is
emptied here (in the deal's DealUpdated), a required one too, reported as missing; a deal
deleted there is named in the report and kept here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from crm_shared.contracts.deal import DealUpdated
from tests.b24_portal import FAST, Fake, importing, portal_data, serving
from tests.cli_support import crm
from tests.services import running
from tests.support import Client, eventually

LATER = "2026-03-10T10:00:00+03:00"


async def _mapping(clean: Any, fake: Fake, tmp_path: Path) -> Path:
    """The plan written by --plan, with the stage, the user, three UF fields of the deals and
    two of the contacts mapped."""
    plan = tmp_path / "plan.yaml"
    planned = await crm(
        clean, "import", "bitrix24", "--webhook", fake.url, *FAST, "--plan", str(plan)
    )
    assert planned.exit_code == 0, planned.output
    mapping = yaml.safe_load(plan.read_text("utf-8"))
    # a contact's own fields: the segment by its label, how it pays (a list) by hand
    assert mapping["contact_fields"] == {"UF_CRM_1800000001": "segment", "UF_CRM_1800000002": None}
    assert mapping["contact_lists"]["UF_CRM_1800000002"]["71"] == {
        "name": "По счёту",
        "to": "invoice",
    }
    mapping["contact_fields"]["UF_CRM_1800000002"] = "pays_by"
    mapping["contact_lists"]["UF_CRM_1800000002"]["72"]["to"] = "online"  # «Картой»
    mapping["stages"]["PREPARATION"]["to"] = "OFFER_MADE"
    mapping["users"]["7"]["to"] = "mgr-2"
    mapping["lists"]["UF_CRM_1700000003"]["46"]["to"] = "delivery"
    mapping["fields"] = {
        "UF_CRM_1700000001": "subject",
        "UF_CRM_1700000002": "rop_id",
        "UF_CRM_1700000003": "delivery_method",
    }
    plan.write_text(yaml.safe_dump(mapping, allow_unicode=True), "utf-8")
    return plan


def _bitrix_deal(fake: Fake, id_: str) -> dict[str, Any]:
    return next(d for d in fake.data["crm.deal.list"] if d["ID"] == id_)


async def test_a_field_emptied_in_the_portal_is_emptied_here(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    fake = Fake(portal_data(4))
    with serving(fake):
        plan = await _mapping(clean, fake, tmp_path)
        args = ("--json", *importing(fake.url, plan))
        async with running(clean, "deal-service", "task-service"):
            first = await crm(clean, *args)
            assert first.exit_code == 0, first.output
            assert json.loads(first.stdout)["imported"] == ["deal-101", "deal-102", "deal-103"]
            here = {d["external_id"]: d for d in await client.deals()}
            assert here["deal-101"]["subject"] == "коробки"
            assert here["deal-101"]["title"] == "Сделка 1"
            assert here["deal-101"]["company"] == "ООО Коробки"
            assert here["deal-101"]["contact"]["segment"] == "опт"
            assert here["deal-102"]["contact"]["segment"] == "розница"
            assert here["deal-101"]["contact"]["pays_by"] == "invoice"

            # Emptied there: the subject (required at OFFER_MADE), the title, the company.
            _bitrix_deal(fake, "101").update(
                UF_CRM_1700000001="", TITLE="", COMPANY_ID="0", DATE_MODIFY=LATER
            )
            contact = next(c for c in fake.data["crm.contact.list"] if c["ID"] == "1")
            contact |= {"UF_CRM_1800000001": None, "UF_CRM_1800000002": "72"}
            # Not sent at all (a row without the field): left as it is.
            del _bitrix_deal(fake, "103")["UF_CRM_1700000001"]
            _bitrix_deal(fake, "103")["DATE_MODIFY"] = LATER
            rec = await client.record(DealUpdated.SUBJECT)
            again = await crm(clean, *args)
            assert again.exit_code == 0, again.output
            report = json.loads(again.stdout)
            changed = ["company", "contact.pays_by", "contact.segment", "subject", "title"]
            assert sorted(report["updated"]["deal-101"]) == changed
            assert "deal-103" not in report["updated"], report
            # not checked against the stage's rules: emptied, and reported as missing
            assert "subject" in report["missing"]["deal-101"], report

            here = {d["external_id"]: d for d in await client.deals()}
            emptied = here["deal-101"]
            assert (emptied["subject"], emptied["title"], emptied["company"]) == (None,) * 3
            assert emptied["stage"] == "OFFER_MADE" and emptied["delivery_method"] == "pickup"
            assert emptied["contact"]["segment"] is None
            assert emptied["contact"]["pays_by"] == "online"
            assert here["deal-103"]["subject"] == "коробки"

            def updates() -> list[dict[str, Any]]:
                found = rec.data(DealUpdated.SUBJECT)
                return [e for e in found if e["deal"]["id"] == emptied["id"]]

            [event] = await eventually(updates)
            assert sorted(event["changed"]) == changed
            assert event["deal"]["contact"]["segment"] is None
            assert event["deal"]["subject"] is None and event["deal"]["title"] is None

            said = await crm(clean, *args[1:])  # said in Russian
            assert said.exit_code == 0 and "без изменений 3" in said.stdout, said.output


async def test_a_deal_deleted_in_the_portal_is_named_and_kept_here(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    fake = Fake(portal_data(4))
    with serving(fake):
        plan = await _mapping(clean, fake, tmp_path)
        args = importing(fake.url, plan)
        async with running(clean, "deal-service", "task-service"):
            first = await crm(clean, "--json", *args)
            assert first.exit_code == 0, first.output
            report = json.loads(first.stdout)
            assert report["deleted"] == {} and report["deleted_checked"] is True
            # Which deals came from the portal is a РОП's to ask, as importing is.
            for actor, ok in (("rop-1", True), ("mgr-1", False), ("nobody", False)):
                body = {"actor_id": actor, "source": "bitrix24"}
                answer = await client.request("crm.query.deal.imported", body)
                assert answer["ok"] is ok, (actor, answer)
                assert ok or "items" not in answer, answer

            fake.data["crm.deal.list"].remove(_bitrix_deal(fake, "103"))
            fake.bodies.clear()
            again = await crm(clean, "--json", *args)
            assert again.exit_code == 0, again.output
            report = json.loads(again.stdout)
            here = {d["external_id"]: d for d in await client.deals()}
            kept = here["deal-103"]  # never deleted here: its history and tasks are real
            assert report["deleted"] == {
                "deal-103": {"deal_id": kept["id"], "title": "Сделка 3", "stage": "OFFER_MADE"}
            }
            assert len(report["unchanged"]) == 2
            # asked once more by id alone, before it is called deleted
            asked = [b for m, b in fake.bodies if m == "crm.deal.list" and "filter" in b]
            assert asked == [{"filter": {"@ID": ["103"]}, "select": ["ID"], "start": 0}]

            said = await crm(clean, *args)
            assert said.exit_code == 0, said.output
            assert "удалено в Битрикс24 1" in said.stdout
            assert (
                "deal-103 «Сделка 3», стадия «Сделали предложение»: удалена в Битрикс24 — "
                "оставлена здесь" in said.stderr
            ), said.stderr

            # Saved pages short of their total: deleted deals are not looked for.
            saved = tmp_path / "saved"
            saved.mkdir()
            for method, rows in fake.data.items():
                result: Any = {"items": rows} if method == "crm.stagehistory.list" else rows
                page = {"result": result, "total": len(rows) + 50 * (method == "crm.deal.list")}
                (saved / f"{method}.json").write_text(json.dumps(page), "utf-8")
            folder = await crm(clean, "--json", "import", "bitrix24", "--from", str(saved),
                               "--mapping", str(plan))  # fmt: skip
            assert folder.exit_code == 0, folder.output
            report = json.loads(folder.stdout)
            assert report["deleted"] == {} and report["deleted_checked"] is False
