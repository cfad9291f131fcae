"""A РОП gives Иван's (mgr-1) deal to Мария (mgr-2), on the real stack: the deal's open tasks
go along, Мария's inbox says the deal is hers now with how many open tasks, Иван's that it was
given to her, once each whatever the number of tasks (nobody was told before); and Мария moves
the deadline of the «Перезвонить клиенту» Иван set for himself, which she could not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_shared.config import config_from_data
from tests.notifier_support import config_data
from tests.services import running
from tests.support import Client, eventually, steady
from tests.tasks_support import tasks

pytestmark = pytest.mark.usefixtures("notifier_fast")
ROP, IVAN, MARIA = "rop-1", "mgr-1", "mgr-2"


def _soon(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def _inbox(client: Client, user: str) -> list[dict[str, Any]]:
    reply = await client.request("crm.query.notify.list", {"actor_id": user})
    assert reply["ok"], reply
    items: list[dict[str, Any]] = reply["items"]
    return items


def _kinds(items: list[dict[str, Any]]) -> list[str]:
    return sorted(i["kind"] for i in items)


async def test_a_deal_given_to_another_tells_both_once_and_its_tasks_are_hers(
    clean: Any, client: Client
) -> None:
    cfg = config_from_data(config_data(deadline=3600), source="test")
    async with running(clean, "deal-service", "task-service", "notifier", config=cfg):
        deal = await client.deal_for(IVAN, title="Кирпич для дачи", contact={"name": "Пётр"})
        await eventually(lambda: tasks(client, deal_id=deal["id"]))
        own = await client.cmd(
            "task.create",
            actor_id=IVAN,
            deal_id=deal["id"],
            title="Перезвонить клиенту",
            deadline=_soon(3600),
        )
        assert own["ok"], own
        by_rop = await client.cmd(
            "task.create", actor_id=ROP, deal_id=deal["id"], title="Отправить КП",
            deadline=_soon(7200),
        )  # fmt: skip
        assert by_rop["ok"], by_rop
        # The РОП's task reaches Иван after his own (one stream): the notifier has all three.
        await eventually(lambda: _when(_inbox(client, IVAN), lambda i: len(i) == 2))

        given = await client.cmd(
            "deal.update", actor_id=ROP, deal_id=deal["id"], fields={"responsible_id": MARIA}
        )
        assert given["ok"], given

        [received] = await eventually(lambda: _inbox(client, MARIA))
        assert received["kind"] == "deal_received" and received["deal_id"] == deal["id"]
        assert received["text"] == (
            "Вам передана сделка «Кирпич для дачи» (Пётр), стадия «Новый лид». Открытых задач: 3."
        )
        handed = await eventually(lambda: _of_kind(_inbox(client, IVAN), "deal_handed_over"))
        assert [h["text"] for h in handed] == [
            "Сделка «Кирпич для дачи» (Пётр) передана: Мария Смирнова."
        ]
        mine = await eventually(
            lambda: _when(
                tasks(client, deal_id=deal["id"], actor_id=MARIA),
                lambda ts: len(ts) == 3 and all(t["responsible_id"] == MARIA for t in ts),
            )
        )
        # Three tasks changed hands (three TaskUpdated): still one notice each, no other.
        await steady(lambda: _one_each(client), window=1.5)
        assert await _inbox(client, ROP) == []

        # The own task Иван set for himself is Мария's to move now, and no longer his.
        [inherited] = [t for t in mine if t["id"] == own["task"]["id"]]
        move = lambda actor, **b: client.cmd(  # noqa: E731
            "task.reschedule", actor_id=actor, task_id=inherited["id"], **b
        )
        moved = await move(MARIA, deadline=_soon(86400), reason="клиент просил завтра")
        assert moved["ok"], moved
        assert moved["task"]["reschedules"][0]["actor_id"] == MARIA
        refused = await move(IVAN, deadline=_soon(600), reason="x")
        assert refused["error"]["code"] in ("forbidden", "not_found"), refused


async def test_a_rop_is_not_told_of_a_handover_they_made_themselves(
    clean: Any, client: Client
) -> None:
    """The РОП takes Иван's deal: Иван is told, the РОП hears nothing of it; the РОП gives it
    on to Мария: she is told, the РОП (its previous responsible) hears nothing either."""
    cfg = config_from_data(config_data(deadline=3600), source="test")
    async with running(clean, "deal-service", "task-service", "notifier", config=cfg):
        deal = await client.deal_for(IVAN, title="Кирпич для дачи", contact={"name": "Пётр"})
        await eventually(lambda: tasks(client, deal_id=deal["id"]))
        give = lambda to: client.cmd(  # noqa: E731
            "deal.update", actor_id=ROP, deal_id=deal["id"], fields={"responsible_id": to}
        )
        assert (await give(ROP))["ok"]
        handed = await eventually(lambda: _of_kind(_inbox(client, IVAN), "deal_handed_over"))
        assert [h["text"] for h in handed] == [
            "Сделка «Кирпич для дачи» (Пётр) передана: Анна Петрова."
        ]
        assert (await give(MARIA))["ok"]
        [received] = await eventually(lambda: _inbox(client, MARIA))
        assert received["kind"] == "deal_received"
        # Each change's notices are stored together: the РОП's would be there by now.
        await steady(lambda: _told_nothing(client, ROP), window=1.5)


async def _told_nothing(client: Client, user: str) -> bool:
    """`user` has no notice of a handover."""
    kinds = _kinds(await _inbox(client, user))
    return "deal_received" not in kinds and "deal_handed_over" not in kinds


async def _one_each(client: Client) -> bool:
    """Мария has her one notice, Иван his and those of the two tasks set for him by others."""
    maria, ivan = _kinds(await _inbox(client, MARIA)), _kinds(await _inbox(client, IVAN))
    return maria == ["deal_received"] and ivan == [
        "deal_handed_over",
        "task_assigned",
        "task_assigned",
    ]


async def _of_kind(items: Any, kind: str) -> list[dict[str, Any]]:
    return [i for i in await items if i["kind"] == kind]


async def _when(reply: Any, ok: Any) -> Any:
    value = await reply
    return value if ok(value) else None
