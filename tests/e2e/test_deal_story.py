"""The deal's story (issue 22): notes, field changes (who, from → to), stage moves, contact
attempts and approval requests in one feed, newest first, paged; and the РОП's decline."""

from __future__ import annotations

from typing import Any

from tests.services import running
from tests.support import Client, eventually


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


async def test_the_rops_move_grants_the_request_and_says_so(clean: Any, client: Client) -> None:
    """The РОП agrees by making the move asked for: ApprovalGranted names who asked, and the
    story keeps it; the asker's own move elsewhere ends a request without granting it."""
    granted = await client.record("crm.deal.approval_granted")
    async with running(clean, "deal-service"):
        deals = [await client.deal_for("mgr-1", title=t) for t in ("Молчун", "Передумал")]
        for deal in deals:
            for _ in range(3):
                await client.cmd("deal.contact_attempt", actor_id="mgr-1", deal_id=deal["id"])
            move = {"deal_id": deal["id"], "to_stage": "LOST_NO_CONTACT"}
            asked = await client.cmd("deal.move", actor_id="mgr-1", **move)
            assert asked["error"]["code"] == "rop_approval_required"
        agreed, other = deals
        done = await client.cmd(
            "deal.move", actor_id="rop-1", deal_id=agreed["id"], to_stage="LOST_NO_CONTACT"
        )
        assert done["ok"], done
        elsewhere = await client.cmd(
            "deal.move",
            actor_id="mgr-1",
            deal_id=other["id"],
            to_stage="LOST_OTHER",
            failure_comment="клиент купил у других",
        )
        assert elsewhere["ok"], elsewhere
        pending = await client.request("crm.query.deal.pending_approvals", {"actor_id": "rop-1"})
        assert pending["items"] == []

        await eventually(lambda: granted.data("crm.deal.approval_granted"))
        [event] = granted.data("crm.deal.approval_granted")
        assert (event["deal_id"], event["asked_by"], event["actor_id"]) == (
            agreed["id"],
            "mgr-1",
            "rop-1",
        )
        assert event["to_stage"] == "LOST_NO_CONTACT" == event["deal"]["stage"]
        story = (await _feed(client, agreed["id"]))["items"]
        said = {i["kind"]: i for i in story[:2]}  # recorded in the same transaction
        assert set(said) == {"approval_granted", "stage_changed"}, story
        assert said["approval_granted"]["asked_by"] == "mgr-1"
        assert said["approval_granted"]["actor_id"] == "rop-1"
        kinds = [i["kind"] for i in (await _feed(client, other["id"]))["items"]]
        assert "approval_granted" not in kinds


def _told(updates: Any, n: int) -> list[dict[str, Any]] | None:
    """The DealUpdated events recorded, once there are `n` of them."""
    told = updates.data("crm.deal.updated")
    return told if len(told) >= n else None


async def test_a_shared_contacts_change_is_in_the_story_of_each_of_its_deals(
    clean: Any, client: Client
) -> None:
    """Leads on one phone or e-mail share the contact: a change through one deal is a
    `field_changed` on every deal of the contact, saying through which deal, and a
    DealUpdated of each at a new version (no deal's contact changes without an event on it)."""
    updates = await client.record("crm.deal.updated")
    async with running(clean, "deal-service"):
        person = {"name": "Ольга", "phone": "+7 912 000-00-07", "email": "olga@example.ru"}
        leads = [
            await client.publish_lead(responsible_id="mgr-1", contact=person),
            await client.publish_lead(responsible_id="mgr-1", contact={"phone": "89120000007"}),
            await client.publish_lead(responsible_id="mgr-1", contact={"email": "OLGA@example.ru"}),
        ]
        a, b, c = [await eventually(lambda e=e: client.deal_by_external(e)) for e in leads]
        assert a["contact"]["id"] == b["contact"]["id"] == c["contact"]["id"]
        fields = {"contact": {"name": "Ольга Петрова"}, "title": "Окна"}
        updated = await client.cmd("deal.update", actor_id="mgr-1", deal_id=a["id"], fields=fields)
        assert updated["ok"], updated

        own = (await _feed(client, a["id"], actor="mgr-1"))["items"][0]
        assert own["kind"] == "field_changed" and "through_deal_id" not in own
        assert {ch["field"] for ch in own["changes"]} == {"title", "contact.name"}
        for other in (b, c):
            entry = (await _feed(client, other["id"], actor="mgr-1"))["items"][0]
            assert entry["kind"] == "field_changed" and entry["actor_id"] == "mgr-1"
            assert entry["through_deal_id"] == a["id"]
            assert entry["changes"] == [
                {"field": "contact.name", "from": "Ольга", "to": "Ольга Петрова"}
            ]
        told = {e["deal"]["id"]: e for e in await eventually(lambda: _told(updates, 3))}
        assert told[a["id"]]["through_deal_id"] is None
        assert set(told[a["id"]]["changed"]) == {"title", "contact.name"}
        for other in (b, c):
            event = told[other["id"]]
            assert event["through_deal_id"] == a["id"] and event["changed"] == ["contact.name"]
            assert event["deal"]["contact"]["name"] == "Ольга Петрова"
            assert event["deal"]["version"] == other["version"] + 1
            now = await client.request(
                "crm.query.deal.get", {"actor_id": "mgr-1", "deal_id": other["id"]}
            )
            assert now["deal"]["version"] == other["version"] + 1, now
        # A change of the deal alone stays in its own story.
        retitled = {"title": "Окна ПВХ"}
        assert (
            await client.cmd("deal.update", actor_id="mgr-1", deal_id=a["id"], fields=retitled)
        )["ok"]
        assert (await _feed(client, b["id"]))["items"][0]["through_deal_id"] == a["id"]
        assert len((await _feed(client, b["id"]))["items"]) == 2  # created, the contact's change
