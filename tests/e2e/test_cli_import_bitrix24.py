"""`crm import bitrix24` against a stand-in portal over HTTP: the plan, the import of deals
at their stage with their history (real deals with their current stage's task), a second
run that changes nothing, the report."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tests.b24_portal import FAST, Fake, importing, portal_data, serving
from tests.cli_support import crm
from tests.locale_support import english
from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import tasks


async def test_a_portal_imported_twice_is_imported_once(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    fake = Fake(portal_data(60), limited={("crm.deal.list", 50)})
    fake.data["crm.deal.userfield.list"][0]["EDIT_FORM_LABEL"] = "Предмет  сделки"
    with serving(fake):
        plan = tmp_path / "plan.yaml"
        planned = await crm(
            clean, "import", "bitrix24", "--webhook", fake.url, *FAST, "--plan", str(plan)
        )
        assert planned.exit_code == 0, planned.output
        written = plan.read_text("utf-8")
        # what the operator reads in the plan (its comments) is Russian; its keys are codes
        comments = "\n".join(x for x in written.splitlines() if x.startswith("#"))
        assert "Проверьте каждое" in comments and not english(comments), english(comments)
        mapping = yaml.safe_load(written)
        assert mapping["stages"]["NEW"] == {"name": "Новый лид", "deals": 0, "to": "NEW_LEAD"}
        assert mapping["stages"]["PREPARATION"]["to"] is None
        assert mapping["stages"]["EXECUTING"]["to"] == "ANSWER_RECEIVED"
        won = {"name": "Клиент получил заказ", "deals": 1, "to": "WON"}
        assert mapping["stages"]["C1:WON"] == won
        # a stage holding deals the plan did not map is named with its deals' count
        assert "«Подготовка документов» (PREPARATION) — 59 сделок" in planned.stderr
        assert mapping["users"]["7"]["to"] is None and mapping["users"]["9"]["to"] == "rop-1"
        # and a user holding deals it did not map, whose deals would go by turns
        assert "(№ 7 в Битрикс24) — " in planned.stderr and "по очереди" in planned.stderr
        # a deal's field whose label is our field's name is mapped to it, the rest are not
        assert mapping["fields"] == {
            "UF_CRM_1700000001": "subject", "UF_CRM_1700000002": None,
            "UF_CRM_1700000003": None,
        }  # fmt: skip
        # a list field's items: our code where the item's name is our word
        assert mapping["lists"] == {
            "UF_CRM_1700000003": {
                "45": {"name": "Самовывоз", "to": "pickup"},
                "46": {"name": "Курьером", "to": None},
            }
        }
        mapping["lists"]["UF_CRM_1700000003"]["46"]["to"] = "delivery"
        mapping["stages"]["PREPARATION"]["to"] = "OFFER_MADE"
        mapping["users"]["7"]["to"] = "mgr-2"
        mapping["fields"] = {
            "UF_CRM_1700000001": "subject",
            "UF_CRM_1700000002": "rop_id",
            "UF_CRM_1700000003": "delivery_method",
        }
        plan.write_text(yaml.safe_dump(mapping, allow_unicode=True), "utf-8")

        as_manager = await crm(
            clean, *importing(fake.url, plan), actor="mgr-1",
        )  # fmt: skip
        assert as_manager.exit_code == 2 and "РОП" in as_manager.output
        async with running(clean, "deal-service", "task-service"):
            args = ("--json", *importing(fake.url, plan))
            first = await crm(clean, *args)
            assert first.exit_code == 0, first.output
            report = json.loads(first.stdout)
            assert len(report["imported"]) == 59 and report["unchanged"] == []
            assert report["skipped"]["deal-160"] == {"code": "no_contact", "params": {}}
            assert report["skipped"]["contact-61"]["code"] == "contact_without_deal"
            # OFFER_MADE requires what the portal did not have: reported, not enforced
            assert report["missing"]["deal-101"], report
            # a won deal has no next move: nothing it lacks is needed (deal-102 is WON)
            assert "deal-102" not in report["missing"], report

            deals = [d for d in await client.deals() if d["source"] == "bitrix24"]
            assert len(deals) == 59
            one = next(d for d in deals if d["external_id"] == "deal-101")
            assert one["stage"] == "OFFER_MADE" and one["responsible_id"] == "mgr-2"
            assert one["rop_id"] == "rop-1" and one["subject"] == "коробки"
            assert one["company"] == "ООО Коробки" and one["delivery_method"] == "pickup"
            won = next(d for d in deals if d["external_id"] == "deal-102")
            assert won["stage"] == "WON"  # a deal of another pipeline, at its stage
            assert float(one["amount"]) == 1500 and one["contact"]["phone"] == "+79120000001"
            assert datetime.fromisoformat(one["created_at"]) == datetime.fromisoformat(
                "2026-03-01T07:00:00+00:00"
            )
            history = await client.request(
                "crm.query.deal.history", {"actor_id": "rop-1", "deal_id": one["id"]}
            )
            assert [(h["from_stage"], h["to_stage"]) for h in history["items"]] == [
                ("NEW_LEAD", "OFFER_MADE"),
                (None, "NEW_LEAD"),
            ]
            # an imported deal is a real deal, with its current stage's task
            [task] = await eventually(lambda: tasks(client, deal_id=one["id"]))
            assert task["stage"] == "OFFER_MADE"

            # Only a РОП imports, into configured stages; the reason is said.
            body = {
                "actor_id": "mgr-1",
                "source": "bitrix24",
                "external_id": "deal-x",
                "contact": {"name": "Икс"},
                "created_at": "2026-03-01T07:00:00Z",
                "history": [{"stage": "NEW_LEAD", "at": "2026-03-01T07:00:00Z"}],
            }
            refused = await client.request("crm.cmd.deal.import", body)
            assert not refused["ok"] and "rop" in refused["error"]["message"]
            unknown = {
                **body,
                "actor_id": "rop-1",
                "history": [{"stage": "C1:NEW", "at": "2026-03-01T07:00:00Z"}],
            }
            refused = await client.request("crm.cmd.deal.import", unknown)
            assert not refused["ok"] and "history[0].stage" in refused["error"]["message"]

            # Two imports of one deal at once: one makes it, the other answers it unchanged.
            fresh = {**body, "actor_id": "rop-1", "external_id": "deal-twice"}
            fresh |= {"delivery_method": "pickup", "failure_comment": "было дорого"}
            both = await asyncio.gather(
                *(client.request("crm.cmd.deal.import", fresh) for _ in range(2))
            )
            assert sorted(r["imported"] for r in both) == [False, True], both
            twice = both[0]["deal"]
            assert (twice["delivery_method"], twice["failure_comment"]) == ("pickup", "было дорого")

            # The imported past is in the analytics: reached stages and time in stage.
            funnel = await client.request(
                "crm.query.analytics.funnel",
                {"actor_id": "rop-1", "from": "2026-03-01", "to": "2026-04-01"},
            )
            report_ = funnel["report"]
            assert report_["created"] == 60  # and deal-twice, made above
            reached = {s["code"]: s["reached"] for s in report_["stages"]}
            assert (reached["NEW_LEAD"], reached["OFFER_MADE"]) == (60, 59)
            stays = {x["stage"]: x for x in report_["time_in_stage"]}
            assert stays["NEW_LEAD"]["count"] == 59
            assert stays["NEW_LEAD"]["median_seconds"] == 2 * 86400

            again = await crm(clean, *args)
            assert again.exit_code == 0, again.output
            second = json.loads(again.stdout)
            assert second["imported"] == [] and len(second["unchanged"]) == 59
            assert second["updated"] == {}
            assert len([d for d in await client.deals() if d["source"] == "bitrix24"]) == 60

            await _changed_in_the_portal_is_updated_here(clean, client, fake, args)


async def _changed_in_the_portal_is_updated_here(
    clean: Any, client: Client, fake: Fake, args: tuple[str, ...]
) -> None:
    """A later run brings what changed in the portal (its DATE_MODIFY, the contact's, a stage
    move newer than imported): fields set as an update sets them, a stage move as a move
    (history row, the new stage's task), not checked against the rules; the rest unchanged."""
    deals = {d["ID"]: d for d in fake.data["crm.deal.list"]}
    later = "2026-03-10T10:00:00+03:00"
    deals["103"] |= {"STAGE_ID": "EXECUTING", "DATE_MODIFY": later}
    fake.data["crm.stagehistory.list"].append(
        {"ID": "999", "TYPE_ID": 2, "OWNER_ID": "103", "CREATED_TIME": later,
         "STAGE_ID": "EXECUTING", "CATEGORY_ID": 0}
    )  # fmt: skip
    deals["104"] |= {"TITLE": "Сделка 4, уточнена", "OPPORTUNITY": "2500.00"}
    deals["104"]["DATE_MODIFY"] = later
    contact = next(c for c in fake.data["crm.contact.list"] if c["ID"] == "5")
    contact |= {"NAME": "Клиентка5", "DATE_MODIFY": later}
    deals["106"]["OPPORTUNITY"] = "9.00"  # changed without DATE_MODIFY: not seen as changed

    third = await crm(clean, *args)
    assert third.exit_code == 0, third.output
    report = json.loads(third.stdout)
    assert report["updated"] == {
        "deal-103": ["stage"],
        "deal-104": ["title", "amount"],
        "deal-105": ["contact.name"],
    }, report
    assert report["imported"] == [] and len(report["unchanged"]) == 56
    here = {d["external_id"]: d for d in await client.deals() if d["source"] == "bitrix24"}
    moved = here["deal-103"]
    assert moved["stage"] == "ANSWER_RECEIVED"
    history = await client.request(
        "crm.query.deal.history", {"actor_id": "rop-1", "deal_id": moved["id"]}
    )
    newest = history["items"][0]
    assert (newest["from_stage"], newest["to_stage"]) == ("OFFER_MADE", "ANSWER_RECEIVED")
    assert datetime.fromisoformat(newest["at"]) == datetime.fromisoformat(later)

    async def moved_task() -> list[dict[str, Any]]:
        return [
            t for t in await tasks(client, deal_id=moved["id"]) if t["stage"] == "ANSWER_RECEIVED"
        ]

    await eventually(moved_task)
    assert float(here["deal-104"]["amount"]) == 2500
    assert here["deal-104"]["title"] == "Сделка 4, уточнена"
    assert here["deal-105"]["contact"]["name"] == "Клиентка5 Битриксов"
    assert float(here["deal-106"]["amount"]) == 1500

    fourth = await crm(clean, *args)  # and again: nothing new
    assert json.loads(fourth.stdout)["updated"] == {}


def _save(folder: Path, data: dict[str, list[dict[str, Any]]]) -> None:
    """One saved page a method, as the portal answered."""
    for method, rows in data.items():
        result: Any = {"items": rows} if method == "crm.stagehistory.list" else rows
        (folder / f"{method}.json").write_text(json.dumps({"result": result}), "utf-8")


async def test_deals_of_one_contact_imported_at_once_make_it_once(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    data = portal_data(12)  # deal-service takes several imports at once: never one contact's
    for deal in data["crm.deal.list"]:
        deal |= {"CONTACT_ID": str(1 + int(deal["ID"]) % 3), "STAGE_ID": "NEW"}
    _save(tmp_path, data)
    async with running(clean, "deal-service"):
        result = await crm(clean, "--json", "import", "bitrix24", "--from", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)["imported"]) == 12
        deals = [d for d in await client.deals() if d["source"] == "bitrix24"]
    assert len({d["contact"]["id"] for d in deals}) == 3


async def test_saved_answers_import_with_the_plan_as_written(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    data = portal_data(3)
    _save(tmp_path, data)
    data["crm.deal.list"][0]["STAGE_ID"] = "NEW"
    data["crm.deal.list"][2]["STAGE_ID"] = "NEW"
    (tmp_path / "crm.deal.list.json").write_text(
        json.dumps({"result": data["crm.deal.list"]}), "utf-8"
    )
    async with running(clean, "deal-service", "task-service"):
        # Without --mapping the plan as written: a won deal (C1:WON, no pipeline saved) is at
        # a stage it did not match, so the import refuses to start, naming it and its deals.
        refused = await crm(clean, "--json", "import", "bitrix24", "--from", str(tmp_path))
        assert refused.exit_code == 2, refused.output
        assert "импорт не начат" in refused.stderr and "--skip-unmapped" in refused.stderr
        assert "«C1:WON» (успешная: выигранные сделки) — 1 сделка" in refused.stderr
        assert json.loads(refused.stdout) == {
            "code": "stages_not_mapped",
            "unmapped": {"C1:WON": {"name": "C1:WON", "kind": "won", "deals": 1}},
        }
        assert [d for d in await client.deals() if d["source"] == "bitrix24"] == []
        skipping = ("import", "bitrix24", "--from", str(tmp_path), "--skip-unmapped")
        result = await crm(clean, "--json", *skipping)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        # Told to, it imports the rest: deals at stages it did not match are skipped.
        assert report["imported"] == ["deal-101"]
        assert report["unmapped"] == {"C1:WON": {"name": "C1:WON", "kind": "won", "deals": 1}}
        # C1:WON: no pipeline saved
        assert report["skipped"]["deal-102"]["code"] == "stage_not_mapped"
        assert report["skipped"]["deal-103"]["code"] == "no_contact"
        [deal] = [d for d in await client.deals() if d["source"] == "bitrix24"]
        # Its Bitrix24 user matched no one of ours: distributed as a lead would be.
        assert deal["stage"] == "NEW_LEAD" and deal["responsible_id"] in {"mgr-1", "mgr-2"}

        # What a person reads is Russian, from the locale catalogue: the report, the reasons.
        again = await crm(clean, *skipping)
        assert again.exit_code == 0, again.output
        assert "без изменений 1, пропущено 4" in again.stdout  # and contact-4
        assert "стадия C1:WON не сопоставлена" in again.stderr
        assert "не перенесены — их стадии не сопоставлены" in again.stderr
        helped = await crm(clean, "import", "bitrix24", "--help")
        for text in (refused.stderr, again.stdout + again.stderr, helped.stdout):
            assert not english(text), (english(text), text)
