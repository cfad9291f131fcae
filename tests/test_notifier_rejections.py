"""Rule 4: a refused move reaches the deal's responsible with the missing fields' names."""

from __future__ import annotations

from typing import Any

from tests.notifier_support import MGR, Mailbox, config
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
