"""Fill in and move, in one command (`MoveDeal.fields`): from the JSON API and from the board's
dialog, one version and one StageChanged naming the fields; a refusal keeps none of them."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.gateway_support import door
from tests.support import Client, eventually

NEW_DEAL = {
    "title": "Кирпич",
    "contact": {"name": "Пётр", "phone": "+79123456789"},
    "requirements": "20 коробок",
}


def events_of(rec: Any, deal_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(subject, data) of the recorded deal events of one deal, in order."""
    found = []
    for subject, body in rec.messages:
        data = body.get("data") or {}
        if data.get("deal_id") == deal_id or (data.get("deal") or {}).get("id") == deal_id:
            found.append((subject, data))
    return found


async def test_a_move_with_fields_is_one_version_and_one_stage_changed(
    clean: Any, client: Client
) -> None:
    rec = await client.record("crm.deal.>")
    async with door(clean) as d, d.as_user("mgr-1") as http:
        made = await http.post("/api/deals", json=NEW_DEAL)
        assert made.status_code == 201, made.text
        deal = made.json()["deal"]
        await eventually(lambda: events_of(rec, deal["id"]))  # DealCreated, StageChanged

        # Refused: what is filled in is checked with the move, and none of it is kept.
        partial = {"amount": "15000.00", "subject": "Кирпич М150"}
        refused = await http.post(
            f"/api/deals/{deal['id']}/move", json={"to_stage": "OFFER_MADE", "fields": partial}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["missing_fields"] == ["delivery_method"]
        now = (await http.get(f"/api/deals/{deal['id']}")).json()["deal"]
        assert now["version"] == deal["version"] and now["amount"] is None

        # What no request model takes (an id over the contracts' 100 bytes) is a 400 naming
        # the field, from the gateway, as the service would have said.
        too_long = await http.post(f"/api/deals/{'x' * 101}/move", json={"to_stage": "WON"})
        assert too_long.status_code == 400 and "deal_id" in too_long.json()["error"]["message"]

        # A move's fields do not reassign the deal.
        handover = await http.post(
            f"/api/deals/{deal['id']}/move",
            json={"to_stage": "PROCESSING", "fields": {"responsible_id": "mgr-2"}},
        )
        assert handover.status_code == 400 and "responsible_id" in handover.text

        seen = len(events_of(rec, deal["id"]))
        fields = {**partial, "delivery_method": "pickup"}
        moved = await http.post(
            f"/api/deals/{deal['id']}/move",
            json={"to_stage": "OFFER_MADE", "expected_version": deal["version"], "fields": fields},
        )
        assert moved.status_code == 200, moved.text
        reply = moved.json()
        assert reply["deal"]["version"] == deal["version"] + 1
        assert reply["deal"]["stage"] == "OFFER_MADE" and reply["deal"]["amount"] == "15000.00"
        assert reply["changed"] == ["amount", "subject", "delivery_method"]

        later = await eventually(lambda: events_of(rec, deal["id"])[seen:])
        await asyncio.sleep(0.5)  # nothing else comes (no DealUpdated before the move)
        later = events_of(rec, deal["id"])[seen:]
        assert [s for s, _ in later] == ["crm.deal.stage_changed"], later
        data = later[0][1]
        assert data["changed"] == reply["changed"] and data["version"] == deal["version"] + 1
        assert data["deal"]["subject"] == "Кирпич М150"


async def test_the_boards_dialog_moves_in_one_step_and_draws_the_card_from_the_reply(
    clean: Any, client: Client
) -> None:
    rec = await client.record("crm.deal.stage_changed")
    async with door(clean) as d, d.as_user("mgr-1") as http:
        deal = (await http.post("/api/deals", json=NEW_DEAL)).json()["deal"]
        form = {
            "to_stage": "OFFER_MADE",
            "expected_version": str(deal["version"]),
            "amount": "15 000,00",
            "subject": "Кирпич М150",
            "delivery_method": "pickup",
        }
        card = await http.post(
            f"/board/deals/{deal['id']}/move", data=form, headers={"HX-Request": "true"}
        )
        assert card.status_code == 200, card.text
        assert f'data-version="{deal["version"] + 1}"' in card.text
        assert 'data-stage="OFFER_MADE"' in card.text
        moves = await eventually(
            lambda: [b["data"] for _, b in rec.messages if b["data"]["to_stage"] == "OFFER_MADE"]
        )
        assert len(moves) == 1 and moves[0]["changed"] == ["amount", "subject", "delivery_method"]
