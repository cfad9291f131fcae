"""A refused move's notice is marked read once the deal reaches that stage anyway, on the
real stack: a tester fixed each refusal in the board's dialog («Сохранить и перевести»),
each move went through, and every «нельзя перевести» stayed unread (the badge reached 24).
A refusal for another stage stays unread: it still says what stands in the way."""

from __future__ import annotations

from typing import Any

from tests.notifier_support import MGR, config
from tests.services import running
from tests.support import Client, eventually


async def _inbox(client: Client) -> dict[str, Any]:
    reply = await client.request("crm.query.notify.list", {"actor_id": MGR})
    assert reply["ok"], reply
    return reply


async def test_the_move_to_the_refused_stage_reads_that_refusal_only(
    clean: Any, client: Client
) -> None:
    notes = await client.record(f"crm.notify.{MGR}")
    reads = await client.record(f"crm.notify.{MGR}.read")
    async with running(clean, "deal-service", "notifier", config=config()):
        created = await client.cmd(
            "deal.create",
            actor_id=MGR,
            title="Поддоны для склада",
            contact={"name": "Ольга"},
            responsible_id=MGR,
        )
        deal = created["deal"]
        for stage in ("PROCESSING", "OFFER_MADE"):
            refused = await client.cmd(
                "deal.move", actor_id=MGR, deal_id=deal["id"], to_stage=stage
            )
            assert refused["error"]["code"] == "missing_fields", refused
        await eventually(lambda: len(notes.data(f"crm.notify.{MGR}")) == 2)
        before = await _inbox(client)
        assert before["unread"] == 2 and not any(i["read"] for i in before["items"]), before
        # the board's dialog: the missing field filled and the move made in one command
        moved = await client.cmd(
            "deal.move",
            actor_id=MGR,
            deal_id=deal["id"],
            to_stage="PROCESSING",
            fields={"requirements": "40 поддонов 1200×800"},
        )
        assert moved["ok"], moved

        def read_by_stage(box: dict[str, Any]) -> dict[str, bool]:
            return {i["text"].split("в стадию ")[1].split("»")[0]: i["read"] for i in box["items"]}

        async def settled() -> dict[str, Any] | None:
            # the items themselves, not the count beside them: a full suite's run once read a
            # count of 1 beside two items both still unread (the count and the page are two
            # statements), and took that moment for the end
            box = await _inbox(client)
            done = read_by_stage(box).get("«Обрабатываем запрос") and box["unread"] == 1
            return box if done else None

        after = await eventually(settled)
        # the manager's live feeds are told which notice became read (the board's badge)
        [told] = await eventually(lambda: reads.data(f"crm.notify.{MGR}.read"))

    read = read_by_stage(after)
    assert read == {"«Обрабатываем запрос": True, "«Сделали предложение": False}, after
    [settled_note] = [i for i in after["items"] if i["read"]]
    assert told == {
        "user_id": MGR,
        "ids": [settled_note["id"]],
        "deal_id": deal["id"],
        "reason": "settled",
    }, told
