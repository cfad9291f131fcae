"""Rule 4: a refused move reaches the deal's responsible with the missing fields' names."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from crm_shared.config import config_from_data
from crm_shared.locale import moment
from tests.notifier_support import MGR, ROP, Mailbox, config, config_data
from tests.services import running
from tests.support import Client, eventually


async def test_refused_move_notifies_responsible_with_russian_field_names(
    clean: Any, client: Client
) -> None:
    notes = await client.record(f"crm.notify.{MGR}")
    with Mailbox() as mailbox:
        channels = [{"type": "bus"}, {"type": "email", "address": "ivan@example.ru"}]
        cfg = config({MGR: channels}, smtp_port=mailbox.port)
        async with running(clean, "deal-service", "notifier", config=cfg):
            created = await client.cmd(
                "deal.create", actor_id=MGR, contact={"name": "Ольга"}, responsible_id=MGR
            )
            deal = created["deal"]
            reply = await client.cmd(
                "deal.move", actor_id=MGR, deal_id=deal["id"], to_stage="OFFER_MADE"
            )
            assert not reply["ok"] and reply["error"]["code"] == "missing_fields"
            [note] = await eventually(lambda: notes.data(f"crm.notify.{MGR}"))
            await eventually(lambda: mailbox.messages)

    assert note["kind"] == "move_rejected" and note["deal_id"] == deal["id"]
    assert note["missing_fields"] == reply["error"]["missing_fields"]
    assert "«Сделали предложение»" in note["text"]
    for name in ("Требования", "Сумма", "Предмет сделки", "Способ доставки"):
        assert name in note["text"]
    [mail] = mailbox.messages
    assert mail["Subject"] == "CRM: переход сделки отклонён"
    assert "Требования" in mail.get_content()


async def test_a_managers_no_contact_move_asks_the_rop_and_does_not_notify_the_manager(
    clean: Any, client: Client
) -> None:
    """Rule 6: the РОП gets `approval_requested` with who asks, the deal and the attempts,
    their times on the РОП's own clock (their `timezone` over the team's), with no «UTC»."""
    to_rop = await client.record(f"crm.notify.{ROP}")
    to_mgr = await client.record(f"crm.notify.{MGR}")
    data = config_data()
    data["timezone"] = "Asia/Yekaterinburg"
    next(u for u in data["users"] if u["id"] == ROP)["timezone"] = "Asia/Vladivostok"
    zoned = config_from_data(data, source="the team in Yekaterinburg, the РОП in Vladivostok")
    async with running(clean, "deal-service", "notifier", config=zoned):
        created = await client.cmd(
            "deal.create",
            actor_id=MGR,
            title="Поставка коробок",
            contact={"name": "Ольга"},
            responsible_id=MGR,
        )
        deal = created["deal"]
        for note in ("не берёт трубку", "абонент недоступен", None):
            await client.cmd("deal.contact_attempt", actor_id=MGR, deal_id=deal["id"], note=note)
        reply = await client.cmd(
            "deal.move", actor_id=MGR, deal_id=deal["id"], to_stage="LOST_NO_CONTACT"
        )
        assert reply["error"]["code"] == "rop_approval_required", reply
        [note] = await eventually(lambda: to_rop.data(f"crm.notify.{ROP}"))
        # A refusal the manager would be told of follows it, so that the bounded wait for
        # it below also shows that nothing reached the manager before.
        missing = await client.cmd(
            "deal.move", actor_id=MGR, deal_id=deal["id"], to_stage="OFFER_MADE"
        )
        assert missing["error"]["code"] == "missing_fields"
        [told] = await eventually(lambda: to_mgr.data(f"crm.notify.{MGR}"))

    assert told["kind"] == "move_rejected"
    assert note["kind"] == "approval_requested" and note["deal_id"] == deal["id"]
    assert note["actor_id"] == MGR
    assert [a["note"] for a in note["attempts"]] == ["не берёт трубку", "абонент недоступен", None]
    text = note["text"]
    assert "Иван Иванов просит" in text and "«Поставка коробок» (Ольга)" in text
    assert "«Перестал выходить на связь»" in text and "«Новый лид»: 3" in text
    assert "1. " in text and "не берёт трубку" in text and "абонент недоступен" in text
    first = moment(note["attempts"][0]["at"], ZoneInfo("Asia/Vladivostok"))
    assert f"1. {first}, Иван Иванов: не берёт трубку" in text, text
    assert "UTC" not in text


async def test_a_refused_won_of_a_pickup_deal_is_told_in_russian(
    clean: Any, client: Client
) -> None:
    """Issue 21: the notice says why in the catalogue's Russian, never the English message."""
    notes = await client.record(f"crm.notify.{MGR}")
    async with running(clean, "deal-service", "notifier", config=config()):
        created = await client.cmd(
            "deal.create",
            actor_id=MGR,
            contact={"name": "Ольга"},
            responsible_id=MGR,
            delivery_method="pickup",
        )
        reply = await client.cmd(
            "deal.move", actor_id=MGR, deal_id=created["deal"]["id"], to_stage="WON"
        )
        assert reply["error"]["params"]["reason"] == "success_from", reply
        [note] = await eventually(lambda: notes.data(f"crm.notify.{MGR}"))
    text = note["text"]
    assert "«самовывоз» выигрывается только из стадии «Получили оплату»" in text, text
    assert not re.search(r"[A-Za-z]", text), text


async def test_with_no_rop_on_the_deal_and_no_default_every_rop_is_asked(
    clean: Any, client: Client
) -> None:
    """Rule 6 on the free plan without default_rop: a deal with an empty РОП field asks every
    user with role rop (any of them may agree), and the refusal says so."""
    data = config_data()
    data.update(plan="free", default_rop=None)
    data["users"].append({"id": "rop-2", "name": "Пётр Сидоров", "role": "rop"})
    cfg = config_from_data(data, source="free plan, two РОПs, no default")
    inboxes = {rop: await client.record(f"crm.notify.{rop}") for rop in (ROP, "rop-2")}
    async with running(clean, "deal-service", "notifier", config=cfg):
        created = await client.cmd(
            "deal.create", actor_id=MGR, contact={"name": "Ольга"}, responsible_id=MGR
        )
        deal = created["deal"]
        assert deal["rop_id"] is None
        for _ in range(3):
            await client.cmd("deal.contact_attempt", actor_id=MGR, deal_id=deal["id"])
        reply = await client.cmd(
            "deal.move", actor_id=MGR, deal_id=deal["id"], to_stage="LOST_NO_CONTACT"
        )
        assert reply["error"]["code"] == "rop_approval_required", reply
        assert "every user with role rop has been asked" in reply["error"]["message"]
        asked = {
            rop: await eventually(lambda r=rop, i=inbox: i.data(f"crm.notify.{r}"))
            for rop, inbox in inboxes.items()
        }
    for notes in asked.values():
        assert [(n["kind"], n["deal_id"]) for n in notes] == [("approval_requested", deal["id"])]
    assert "Иван Иванов просит" in asked["rop-2"][0]["text"]
