"""Requests awaiting the РОП's agreement are kept by deal-service with the deal (issue 15):
the РОП's page lists them whatever became of the notifications that told them, each РОП
sees those of their deals, and the deal's move (the agreement) ends the request and tells
the manager who asked."""

from __future__ import annotations

from typing import Any

from tests.configs import config_with
from tests.gateway_support import door
from tests.support import Client, eventually

ROP, OTHER_ROP, MINE, OTHER = "rop-1", "rop-2", "mgr-1", "mgr-2"


def _two_rops() -> Any:
    second = {"id": OTHER_ROP, "name": "Олег Сидоров", "role": "rop", "channels": [{"type": "bus"}]}
    return config_with(change=lambda data: data["users"].append(second))


async def _pending(client: Client, actor: str) -> list[dict[str, Any]]:
    reply = await client.request("crm.query.deal.pending_approvals", {"actor_id": actor})
    assert reply["ok"], reply
    items: list[dict[str, Any]] = reply["items"]
    return items


async def test_a_waiting_request_stays_until_the_rop_agrees(clean: Any, client: Client) -> None:
    async with door(clean, config=_two_rops()) as d, d.as_user(MINE) as ivan:
        deal = await client.deal_for(MINE, title="Молчун")
        assert deal["rop_id"] == ROP
        for note in ("не берёт", "сбросил", "недоступен"):
            body = {"note": note}
            tried = await ivan.post(f"/api/deals/{deal['id']}/contact-attempts", json=body)
            assert tried.status_code == 200, tried.text
        asked = await ivan.post(
            f"/api/deals/{deal['id']}/move", json={"to_stage": "LOST_NO_CONTACT"}
        )
        assert asked.json()["error"]["code"] == "rop_approval_required"

        [item] = await _pending(client, ROP)
        assert item["deal"]["id"] == deal["id"] and item["to_stage"] == "LOST_NO_CONTACT"
        assert item["asked_by"] == MINE and item["asked_at"]
        assert [i["deal"]["id"] for i in await _pending(client, MINE)] == [deal["id"]]
        assert await _pending(client, OTHER) == []  # not their deal
        assert await _pending(client, OTHER_ROP) == []  # not the deal's РОП: cannot agree

        async with d.as_user(ROP) as anna:
            # The РОП clears the inbox; the request is still there.
            await eventually(lambda: _has_unread(anna))
            cleared = await anna.post("/api/notifications/read", json={"all": True})
            assert cleared.status_code == 200, cleared.text
            page = await anna.get("/rop")
            assert page.status_code == 200 and "Молчун" in page.text
            # the deal named by its title and its client, as the notices name it
            assert (
                "«Молчун» (Пётр): Иван Иванов просит перевести в «Перестал выходить на связь»"
                in page.text
            )
            agreed = await anna.post(
                f"/rop/approvals/{deal['id']}", data={"to_stage": "LOST_NO_CONTACT"}
            )
            assert agreed.status_code == 200
            assert (
                "Согласовано: «Молчун» (Пётр) переведена в «Перестал выходить на связь». "
                "Менеджер получил уведомление." in agreed.text
            )
        assert await _pending(client, ROP) == []
        async with d.as_user(ROP) as anna:
            assert "Молчун" not in (await anna.get("/rop")).text
        # The manager who asked is told: the РОП agreed and the deal moved.
        told = await eventually(lambda: _notice(ivan, "approval_granted"))
        assert told["text"] == (
            "Анна Петрова согласовал(а) перевод сделки «Молчун» (Пётр) в стадию "
            "«Перестал выходить на связь»: сделка переведена."
        ), told
        assert told["deal_id"] == deal["id"]


async def _notice(http: Any, kind: str) -> dict[str, Any] | None:
    box = (await http.get("/api/notifications")).json()
    return next((n for n in box["items"] if n["kind"] == kind), None)


async def _has_unread(http: Any) -> bool:
    box = (await http.get("/api/notifications")).json()
    return any(n["kind"] == "approval_requested" and not n["read"] for n in box["items"])
