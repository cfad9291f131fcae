"""Issue 24 §3: a deal that sits in its stage past the threshold with no activity is
«засиделась»: its responsible hears it once, the board and the card mark it, and the РОП's
page shows the thresholds. A note (activity) ends the stretch; the deal may sit again and
is told of again. The stage's `idle_after` is seconds here (fewer than 20 moves in the
history: the configured threshold applies)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.configs import config_with, stage_data
from tests.gateway_support import door
from tests.support import Client, eventually, steady

pytestmark = pytest.mark.usefixtures("notifier_fast")
MGR = "mgr-1"


def _quick(data: dict[str, Any]) -> None:
    stage_data(data, "NEW_LEAD")["idle_after"] = "PT3S"
    data["notifications"]["idle_digest_at"] = None


async def test_a_quiet_deal_is_told_once_marked_and_its_threshold_shown(
    clean: Any, client: Client
) -> None:
    notes = await client.record(f"crm.notify.{MGR}")
    went_idle = await client.record("crm.deal.idle")  # for every board that sees the deal
    async with door(clean, config=config_with(change=_quick)) as d, d.as_user(MGR) as ivan:
        body = {"title": "Тихая сделка", "contact": {"name": "Пётр"}}
        made = await ivan.post("/api/deals", json=body)
        assert made.status_code == 201, made.text
        deal_id = made.json()["deal"]["id"]

        def idle_notes() -> list[dict[str, Any]]:
            return [
                n
                for n in notes.data(f"crm.notify.{MGR}")
                if n["kind"] == "deal_idle" and n["deal_id"] == deal_id
            ]

        first = (await eventually(idle_notes, timeout=30))[0]
        assert "засиделась" in first["text"] and "Новый лид" in first["text"]
        assert "Тихая сделка" in first["text"]
        # the stage's idle_after is a setting, not a history of moves (no deal left it yet)
        assert "(порог стадии — 3 с)." in first["text"] and "обычно" not in first["text"]

        async def marked() -> Any:
            board = (await ivan.get("/api/deals/board")).json()
            return board["idle"].get(deal_id)

        mark = await eventually(marked)
        assert mark["stage"] == "NEW_LEAD" and mark["idle_since"] > mark["last_activity_at"]
        [event] = await eventually(lambda: went_idle.data("crm.deal.idle"))
        assert (event["deal_id"], event["stage"], event["responsible_id"]) == (
            deal_id,
            "NEW_LEAD",
            MGR,
        )
        assert datetime.fromisoformat(event["idle_since"]) == datetime.fromisoformat(
            mark["idle_since"]
        )
        listed = (await ivan.get("/api/deals", params={"stage": "NEW_LEAD"})).json()
        assert listed["idle"][deal_id]["idle_since"] == mark["idle_since"]
        card = await ivan.get(f"/deals/{deal_id}")
        assert "Засиделась" in card.text
        board_page = await ivan.get("/board")
        assert "засиделась" in board_page.text
        # Once: no second notice while it keeps sitting.
        await steady(lambda: len(idle_notes()) == 1, 2.0)

        # A note is activity: the mark goes, and after another quiet stretch it is told again.
        noted = await ivan.post(f"/api/deals/{deal_id}/notes", json={"text": "Позвоню завтра"})
        assert noted.status_code == 201, noted.text

        async def unmarked() -> bool:
            return not await marked()

        await eventually(unmarked)
        await eventually(lambda: len(idle_notes()) == 2, timeout=30)
        await eventually(lambda: len(went_idle.data("crm.deal.idle")) == 2)  # once a stretch

        # Asked over the bus, the notifier answers in the actor's scope: another manager
        # hears nothing of this deal, the РОП does; an unknown actor is refused.
        async def idle_for(actor: str) -> Any:
            body = {"actor_id": actor, "deal_ids": [deal_id]}
            return await client.request("crm.query.notify.idle_deals", body)

        async def told_to_its_responsible() -> bool:
            return len((await idle_for(MGR))["items"]) == 1

        await eventually(told_to_its_responsible)
        assert (await idle_for("mgr-2"))["items"] == []
        assert [i["deal_id"] for i in (await idle_for("rop-1"))["items"]] == [deal_id]
        assert (await idle_for("nobody"))["error"]["code"] == "not_found"

        async with d.as_user("rop-1") as anna:
            page = await anna.get("/rop")
            assert page.status_code == 200, page.text
            assert "Когда сделка засиделась" in page.text
            assert "из настроек" in page.text and "не отслеживается" in page.text
