"""`crm dlq list` / `crm dlq replay`: a dead letter goes back once its cause is fixed."""

from __future__ import annotations

import json
from typing import Any

from tests.cli_support import crm, crm_json
from tests.configs import config_with
from tests.services import running
from tests.support import Client, eventually

ADMIN = "crm-admin"  # `crm dlq` reads and deletes stream messages: the administrator's


def _hire(data: dict[str, Any]) -> None:
    data["users"].append({"id": "mgr-new", "name": "Новый", "role": "manager"})


async def test_dead_letters_are_listed_and_replayed_once_the_cause_is_fixed(
    clean: Any, client: Client
) -> None:
    dlq = await client.record("crm.dlq.>")
    async with running(clean, "deal-service"):
        # A lead for a manager the configuration does not know yet: refused by the rules.
        lead = await client.publish_lead(responsible_id="mgr-new")
        await client.js.publish("crm.lead.received", b"[" * 2048)  # poison for good
        await eventually(lambda: len(dlq.of("crm.dlq.deal-service")) == 2)
        listed = await crm_json(clean, "dlq", "list", user=ADMIN)
        assert [row["original_subject"] for row in listed] == ["crm.lead.received"] * 2
        assert any("mgr-new" in row["reason"] for row in listed)
        text = await crm(clean, "dlq", "list", user=ADMIN)
        assert text.exit_code == 0 and "недоставленных: 2" in text.stdout
        # Why, in Russian, the service's own words quoted after it; the time on the reader's
        # clock (dd.mm.yyyy), not UTC ISO; --json keeps the stable kind.
        assert sorted(row["kind"] for row in listed) == ["invalid", "rejected"]
        assert "отклонено сервисом: «" in text.stdout, text.stdout
        assert "не по контракту, не прочитано: «" in text.stdout, text.stdout
        assert "T" not in text.stdout.split("  ")[1] and "." in text.stdout.split("  ")[1]
    refused = next(row for row in listed if "mgr-new" in row["reason"])
    poison = next(row for row in listed if row is not refused)

    async with running(clean, "deal-service", config=config_with(change=_hire)):
        result = await crm(clean, "dlq", "replay", str(refused["seq"]), user=ADMIN)
        assert result.exit_code == 0, result.output
        assert f"#{refused['seq']}: отправлено заново в crm.lead.received" in result.stdout
        deal = await eventually(lambda: client.deal_by_external(lead))
        assert deal["responsible_id"] == "mgr-new"

        # --all replays the rest; the poison comes back as a new dead letter.
        result = await crm(clean, "--json", "dlq", "replay", "--all", user=ADMIN)
        assert result.exit_code == 0, result.output
        assert [r["seq"] for r in json.loads(result.stdout)] == [poison["seq"]]
        await eventually(lambda: len(dlq.of("crm.dlq.deal-service")) == 3)
        left = await crm_json(clean, "dlq", "list", user=ADMIN)
        assert [row["seq"] for row in left] == [max(poison["seq"], refused["seq"]) + 1]
        assert len(await client.deals()) == 1

        missing = await crm(clean, "dlq", "replay", "999", user=ADMIN)
        assert missing.exit_code == 1 and "нет недоставленного сообщения №999" in missing.stderr
