"""`crm import bitrix24` against a stand-in portal over HTTP: the plan, the import as leads
that become real deals with their tasks, a second run that changes nothing, the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.b24_portal import Fake, portal_data, serving
from tests.e2e.test_cli import crm
from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import tasks


async def test_a_portal_imported_twice_is_imported_once(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    fake = Fake(portal_data(60), limited={("crm.deal.list", 50)})
    with serving(fake):
        plan = tmp_path / "plan.yaml"
        planned = await crm(clean, "import", "bitrix24", "--webhook", fake.url, "--plan", str(plan))
        assert planned.exit_code == 0, planned.output
        mapping = yaml.safe_load(plan.read_text("utf-8"))
        assert mapping["stages"]["NEW"] == {"name": "Новый лид", "to": "NEW_LEAD"}
        assert mapping["users"]["7"]["to"] is None
        assert list(mapping["fields"]) == ["UF_CRM_1700000001"]
        mapping["users"]["7"]["to"] = "mgr-2"
        mapping["fields"]["UF_CRM_1700000001"] = "subject"
        plan.write_text(yaml.safe_dump(mapping, allow_unicode=True), "utf-8")

        async with running(clean, "deal-service", "task-service"):
            args = ("--json", "import", "bitrix24", "--webhook", fake.url, "--mapping", str(plan))
            first = await crm(clean, *args)
            assert first.exit_code == 0, first.output
            report = json.loads(first.stdout)
            assert len(report["imported"]) == 59 and report["unchanged"] == []
            assert "контакт" in report["skipped"]["deal-160"]
            assert "contact-61" in report["skipped"]

            deals = [d for d in await client.deals() if d["source"] == "bitrix24"]
            assert len(deals) == 59
            one = next(d for d in deals if d["external_id"] == "deal-101")
            assert one["title"] == "Сделка 1" and one["responsible_id"] == "mgr-2"
            assert one["subject"] == "коробки"
            assert float(one["amount"]) == 1500 and one["contact"]["phone"] == "+79120000001"
            # an imported deal is a real deal, with its stage's task
            await eventually(lambda: tasks(client, deal_id=one["id"]))

            again = await crm(clean, *args)
            assert again.exit_code == 0, again.output
            second = json.loads(again.stdout)
            assert second["imported"] == [] and len(second["unchanged"]) == 59
            assert len([d for d in await client.deals() if d["source"] == "bitrix24"]) == 59
