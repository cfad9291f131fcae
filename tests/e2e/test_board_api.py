"""What the board reads, through the JSON API: column totals, each card's open task, scope."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import eventually


async def test_the_board_has_totals_open_tasks_and_only_the_managers_own_deals(
    clean: Any,
) -> None:
    async with door(clean) as d:
        made = []
        async with d.as_user("mgr-1") as ivan:
            for amount in ("1000.50", "2000"):
                body = {"title": "Кирпич", "contact": {"name": "Пётр"}, "amount": amount}
                reply = await ivan.post("/api/deals", json=body)
                assert reply.status_code == 201, reply.text
                made.append(reply.json()["deal"]["id"])
            async with d.as_user("mgr-2") as maria:
                body = {
                    "title": "Цемент",
                    "contact": {"name": "Олег"},
                    "amount": "5",
                    "currency": "USD",
                }
                theirs = (await maria.post("/api/deals", json=body)).json()["deal"]["id"]

            async def tasks_open() -> Any:
                board = (await ivan.get("/api/deals/board")).json()
                return board if set(board["tasks"]) == set(made) else None

            board = await eventually(tasks_open)
            new = next(c for c in board["stages"] if c["code"] == "NEW_LEAD")
            assert new["count"] == 2 and new["sums"] == {"RUB": "3000.50"}
            assert {x["id"] for x in new["items"]} == set(made)  # not Maria's
            won = next(c for c in board["stages"] if c["code"] == "WON")
            assert won["count"] == 0 and won["items"] == []
            task = board["tasks"][made[0]]
            assert task["status"] == "open" and task["stage"] == "NEW_LEAD" and task["deadline"]

            # A manager asking for another's board is refused by deal-service (access: own).
            other = await ivan.get("/api/deals/board", params={"responsible_id": "mgr-2"})
            assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
            assert theirs not in other.text

        async with d.as_user("rop-1") as anna:
            board = (await anna.get("/api/deals/board")).json()
            new = next(c for c in board["stages"] if c["code"] == "NEW_LEAD")
            assert new["count"] == 3 and new["sums"] == {"RUB": "3000.50", "USD": "5.00"}
            only = (await anna.get("/api/deals/board", params={"responsible_id": "mgr-2"})).json()
            new = next(c for c in only["stages"] if c["code"] == "NEW_LEAD")
            assert [x["id"] for x in new["items"]] == [theirs] and new["count"] == 1


async def test_a_card_names_its_client_by_phone_or_email_when_there_is_no_name(
    clean: Any,
) -> None:
    """A lead that gave only an e-mail shows it as the card's client, not «—»."""
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        body = {"title": "Только почта", "contact": {"email": "noname@example.com"}}
        assert (await ivan.post("/api/deals", json=body)).status_code == 201
        board = (await ivan.get("/board")).text
        card = board[board.index("Только почта") :].split("</li>")[0]
        assert "<dt>Клиент</dt><dd>noname@example.com</dd>" in card
