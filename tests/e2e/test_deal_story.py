"""The deal's story (issue 22): notes, field changes (who, from → to), stage moves, contact
attempts and approval requests in one feed, newest first, paged; and the РОП's decline."""

from __future__ import annotations

from typing import Any

from tests.services import running
from tests.support import Client


async def _feed(client: Client, deal_id: str, actor: str = "rop-1", **more: Any) -> dict[str, Any]:
    body = {"actor_id": actor, "deal_id": deal_id, **more}
    reply = await client.request("crm.query.deal.timeline", body)
    assert reply["ok"], reply
    return reply


async def test_the_feed_tells_the_story_newest_first_page_by_page(
    clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        deal = await client.deal_for("mgr-1", title="Окна", requirements="3 окна")
        noted = await client.cmd(
            "deal.note", actor_id="mgr-1", deal_id=deal["id"], text="в отпуске"
        )
        assert noted["ok"], noted
        fields = {"title": "Окна ПВХ", "amount": "1500.00"}
        updated = await client.cmd(
            "deal.update", actor_id="mgr-1", deal_id=deal["id"], fields=fields
        )
        assert updated["ok"], updated
        moved = await client.cmd(
            "deal.move", actor_id="mgr-1", deal_id=deal["id"], to_stage="PROCESSING"
        )
        assert moved["ok"], moved
        await client.cmd("deal.contact_attempt", actor_id="mgr-1", deal_id=deal["id"], note="нет")

        items = (await _feed(client, deal["id"]))["items"]
        assert [i["kind"] for i in items] == [
            "contact_attempt",
            "stage_changed",
            "field_changed",
            "note",
            "stage_changed",
        ]
        attempt, move, change, note, created = items
        assert move["from_stage"] == "NEW_LEAD" and move["to_stage"] == "PROCESSING"
        assert change["actor_id"] == "mgr-1" and change["changes"] == [
            {"field": "title", "from": "Окна", "to": "Окна ПВХ"},
            {"field": "amount", "from": None, "to": "1500.00"},
        ]
        assert note["text"] == "в отпуске" and created["from_stage"] is None
        assert attempt["note"] == "нет"

        first = await _feed(client, deal["id"], limit=2)
        assert first["until"] is None and first["since"] == items[1]["at"]
        rest = await _feed(client, deal["id"], limit=10, cursor=first["next_cursor"])
        assert first["items"] + rest["items"] == items
        assert rest["next_cursor"] is None and rest["since"] is None
        assert rest["until"] == items[1]["at"]

        theirs = await client.request(
            "crm.query.deal.timeline", {"actor_id": "mgr-2", "deal_id": deal["id"]}
        )
        assert theirs["error"]["code"] == "forbidden"
        blank = await client.cmd("deal.note", actor_id="mgr-1", deal_id=deal["id"], text="   ")
        assert blank["error"]["code"] == "invalid"


async def test_the_rop_declines_a_request_with_a_reason(clean: Any, client: Client) -> None:
    declined = await client.record("crm.deal.approval_declined")
    async with running(clean, "deal-service"):
        deal = await client.deal_for("mgr-1", title="Молчун")
        for _ in range(3):
            await client.cmd("deal.contact_attempt", actor_id="mgr-1", deal_id=deal["id"])
        move = {"actor_id": "mgr-1", "deal_id": deal["id"], "to_stage": "LOST_NO_CONTACT"}
        asked = await client.cmd("deal.move", **move)
        assert asked["error"]["code"] == "rop_approval_required"
        decline = {"deal_id": deal["id"], "reason": "позвоните ещё раз вечером"}

        no = await client.cmd("deal.approval.decline", actor_id="mgr-1", **decline)
        assert no["error"]["code"] == "forbidden"
        done = await client.cmd("deal.approval.decline", actor_id="rop-1", **decline)
        assert done["ok"] and done["asked_by"] == "mgr-1", done
        pending = await client.request("crm.query.deal.pending_approvals", {"actor_id": "rop-1"})
        assert pending["items"] == []
        again = await client.cmd("deal.approval.decline", actor_id="rop-1", **decline)
        assert again["error"]["code"] == "transition_not_allowed"

        [event] = declined.data("crm.deal.approval_declined")
        assert event["reason"] == "позвоните ещё раз вечером" and event["asked_by"] == "mgr-1"
        kinds = [(i["kind"], i.get("reason")) for i in (await _feed(client, deal["id"]))["items"]]
        assert kinds[:2] == [
            ("approval_declined", "позвоните ещё раз вечером"),
            ("approval_asked", None),
        ]
