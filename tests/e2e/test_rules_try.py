"""`crm rules try` (issue 24 §2) against the running deal-service: deals moved under the
shipped rules, a stricter proposal replayed over them; the report names the deals it would
have stopped and the fields in Russian, and nothing changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_shared.contracts.deal import GetDeal, TryRules
from tests.cli_support import crm, crm_json
from tests.configs import default_data, write
from tests.gateway_support import door
from tests.services import running
from tests.support import Client
from tests.unit.test_config_russian import foreign


def _stricter(tmp_path: Path) -> Path:
    """The shipped configuration asking Предмет сделки already to leave the new lead."""
    data = default_data()
    data["pipeline"]["rules"]["required_fields"].append(
        {"after": "NEW_LEAD", "fields": ["subject"]}
    )
    return write(tmp_path, data)


async def _move(client: Client, deal: dict[str, Any], to: str, actor: str = "mgr-1") -> None:
    moved = await client.cmd("deal.move", actor_id=actor, deal_id=deal["id"], to_stage=to)
    assert moved["ok"], moved


async def test_a_stricter_rule_names_the_deals_it_would_have_stopped(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    proposal = _stricter(tmp_path)
    async with running(clean, "deal-service"):
        # Moved without a subject, which was filled in only afterwards.
        late = await client.deal_for("mgr-1", title="Окна", requirements="3 окна")
        await _move(client, late, "PROCESSING")
        update = {"subject": "Окна ПВХ"}
        filled = await client.cmd(
            "deal.update", actor_id="mgr-1", deal_id=late["id"], fields=update
        )
        assert filled["ok"], filled
        # Had its subject when it moved.
        ready = await client.deal_for(
            "mgr-2", title="Двери", requirements="2 двери", subject="Двери"
        )
        await _move(client, ready, "PROCESSING", actor="mgr-2")
        # Its subject came with its next move (a move with fields): not there at the first.
        roof = await client.deal_for("mgr-1", title="Крыша", requirements="кровля")
        await _move(client, roof, "PROCESSING")
        fill = {"subject": "Кровля", "amount": "5000", "delivery_method": "pickup"}
        moved = await client.cmd(
            "deal.move", actor_id="mgr-1", deal_id=roof["id"], to_stage="OFFER_MADE", fields=fill
        )
        assert moved["ok"] and "subject" in moved["changed"], moved
        before = await client.request(GetDeal.SUBJECT, {"actor_id": "rop-1", "deal_id": late["id"]})

        report = await crm_json(
            clean, "--as", "rop-1", "rules", "try", str(proposal), "--since", "7d"
        )
        assert (report["moves"], report["refused"], report["stopped"]) == (4, 2, 2)
        (rule,) = report["by_rule"]
        assert rule["key"] == "missing_fields:subject" and rule["count"] == 2
        assert sorted(e["title"] for e in rule["examples"]) == ["Крыша", "Окна"]
        for example in rule["examples"]:
            assert example["to_stage"] == "PROCESSING"
            assert example["error"]["missing_fields"] == ["subject"]
        (manager,) = report["by_responsible"]
        assert manager["key"] == "mgr-1" and manager["deals"] == 2
        stages = {s["code"]: s for s in report["funnel"]["stages"]}
        assert (stages["PROCESSING"]["reached"], stages["PROCESSING"]["would_reach"]) == (3, 1)
        assert (stages["OFFER_MADE"]["reached"], stages["OFFER_MADE"]["would_reach"]) == (1, 0)

        shown = await crm(clean, "rules", "try", str(proposal), "--since", "7d")
        assert shown.exit_code == 0, shown.output
        assert "Не заполнено поле «Предмет сделки»" in shown.stdout
        assert "Окна" in shown.stdout and "Двери" not in shown.stdout
        assert "Обрабатываем запрос" in shown.stdout

        # The shipped rules themselves would have refused nothing of it.
        shipped = write(tmp_path / "..", default_data())
        same = await crm_json(clean, "--as", "rop-1", "rules", "try", str(shipped))
        assert same["refused"] == 0 and same["by_rule"] == []

        after = await client.request(GetDeal.SUBJECT, {"actor_id": "rop-1", "deal_id": late["id"]})
        assert after["deal"] == before["deal"]  # nothing changed


async def test_a_bad_proposal_is_refused_with_its_problems(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: gold\nusers: []\n", "utf-8")
    async with running(clean, "deal-service"):
        shown = await crm(clean, "rules", "try", str(bad))
        assert shown.exit_code == 2
        assert "конфигурация не принята" in shown.output and "plan" in shown.output
        assert "\n  users: не может быть пустым" in shown.output, shown.output
        assert not foreign(shown.output, bad), shown.output  # the operator reads Russian

        body = {"actor_id": "rop-1", "config": "plan: gold\nusers: []\n"}
        refused = await client.request(TryRules.SUBJECT, body)
        assert refused["error"]["code"] == "invalid"
        assert refused["error"]["params"]["reason"] == "config"
        problems = refused["error"]["params"]["problems"]
        assert "pipeline: обязательный ключ не указан" in problems, problems  # the РОП reads it
        assert not foreign(problems, bad), problems
        assert refused["error"]["message"].startswith("the proposed configuration is not valid")
        unknown = await client.request(TryRules.SUBJECT, {**body, "actor_id": "nobody"})
        assert unknown["error"]["code"] == "not_found"


async def test_the_rop_tries_a_proposal_on_their_page(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    proposal = _stricter(tmp_path).read_text("utf-8")
    async with door(clean) as d, d.as_user("rop-1") as anna, d.as_user("mgr-1") as ivan:
        late = await client.deal_for("mgr-1", title="Окна", requirements="3 окна")
        await _move(client, late, "PROCESSING")
        update = {"subject": "Окна ПВХ"}
        filled = await client.cmd(
            "deal.update", actor_id="mgr-1", deal_id=late["id"], fields=update
        )
        assert filled["ok"], filled

        page = await anna.get("/rop")
        assert page.status_code == 200 and "Проверить правила" in page.text
        upload = {"file": ("stricter.yaml", proposal.encode(), "text/yaml")}
        shown = await anna.post("/rop/rules", files=upload, data={"days": "7"})
        assert shown.status_code == 200, shown.text
        assert "Не заполнено поле «Предмет сделки»" in shown.text and "Окна" in shown.text
        pasted = await anna.post("/rop/rules", data={"config": proposal, "days": "7"})
        assert pasted.status_code == 200 and "Окна" in pasted.text

        bad = await anna.post("/rop/rules", data={"config": "plan: gold\n"})
        assert bad.status_code == 400 and "Конфигурация не принята" in bad.text
        assert "pipeline: обязательный ключ не указан" in bad.text, bad.text
        assert (await ivan.post("/rop/rules", data={"config": proposal})).status_code == 403
