"""A refusal handled after the move that settled it is stored read, on the real notifier.

The refusal (`crm.deal.move_rejected`) and the move (`crm.deal.stage_changed`) reach the
notifier through separate consumers, so the move can be handled first: the move then found
no refusal to settle, and the refusal, stored after it, stayed unread for good. Here the
events are published in that order, each waited for, so the order is fixed, not left to
timing. The deal's copy the idle watch keeps (stage and version) decides: only a deal that
entered the refused stage after the refusal (a later version) settles it; a deal the watch
saw there before the refusal, or a refusal for another stage, stays unread.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from crm_shared.contracts.deal import MoveRejected, RejectionError, StageChanged
from tests.notifier_support import MGR, config, publish, rows
from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import deal_snapshot


def _moved(deal_id: str, from_stage: str | None, to_stage: str, version: int) -> dict[str, Any]:
    deal = deal_snapshot(deal_id, version, to_stage, datetime.now(UTC))
    data = StageChanged.model_validate(
        {
            "deal_id": deal_id,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "version": version,
            "actor_id": MGR,
            "deal": deal,
        }
    )
    return data.model_dump(mode="json")


def _refused(deal_id: str, stage: str, to_stage: str, version: int) -> dict[str, Any]:
    """A missing-fields refusal of a move of the deal (at `version`, in `stage`)."""
    data = MoveRejected(
        deal_id=deal_id,
        to_stage=to_stage,
        actor_id=MGR,
        error=RejectionError(
            code="missing_fields", message="missing", missing_fields=["requirements"]
        ),
        responsible_id=MGR,
        from_stage=stage,
        deal=deal_snapshot(deal_id, version, stage, datetime.now(UTC)),
    )
    return data.model_dump(mode="json")


async def test_a_refusal_handled_after_the_move_to_its_stage_is_read(
    clean: Any, client: Client
) -> None:
    late, early = f"deal-{uuid.uuid4().hex[:8]}", f"deal-{uuid.uuid4().hex[:8]}"
    async with running(clean, "notifier", config=config()):
        # both deals are created and moved into PROCESSING (version 2), and the notifier's
        # deal consumer has handled that before any refusal comes
        for deal_id in (late, early):
            await publish(client, "deal.stage_changed", _moved(deal_id, None, "NEW_LEAD", 1))
            await publish(
                client, "deal.stage_changed", _moved(deal_id, "NEW_LEAD", "PROCESSING", 2)
            )

        async def watched() -> bool:
            found = await rows(
                clean,
                "SELECT deal_id FROM notifier.idle_deals WHERE stage = 'PROCESSING'"
                " AND version = 2 AND deal_id = ANY($1::text[])",
                [late, early],
            )
            return len(found) == 2

        await eventually(watched)
        # `late`: refused at version 1 (before the move) for PROCESSING and for OFFER_MADE;
        # `early`: refused for PROCESSING at version 3, a move back the watch has not seen yet
        for deal_id, to_stage, version in (
            (late, "PROCESSING", 1),
            (late, "OFFER_MADE", 1),
            (early, "PROCESSING", 3),
        ):
            stage = "NEW_LEAD" if version == 1 else "OFFER_MADE"
            await publish(
                client, "deal.move_rejected", _refused(deal_id, stage, to_stage, version), deal_id
            )

        async def inbox() -> dict[str, Any] | None:
            reply = await client.request("crm.query.notify.list", {"actor_id": MGR})
            assert reply["ok"], reply
            return reply if len(reply["items"]) == 3 else None

        box = await eventually(inbox)

    def refused_for(item: dict[str, Any]) -> str:
        return str(item["text"].split("в стадию «")[1].split("»")[0])

    read = {(i["deal_id"], refused_for(i)): i["read"] for i in box["items"]}
    assert read == {
        (late, "Обрабатываем запрос"): True,
        (late, "Сделали предложение"): False,
        (early, "Обрабатываем запрос"): False,
    }, box
    assert box["unread"] == 2, box


async def test_a_move_handled_late_does_not_settle_a_refusal_made_after_it(
    clean: Any, client: Client
) -> None:
    """The other way round: the deal entered PROCESSING (version 2), left it (3), and a move
    back was refused (at 3); the deal consumer, behind, handles the move into PROCESSING
    only after the refusal is stored. That move came before the refusal: it settles nothing."""
    deal_id = f"deal-{uuid.uuid4().hex[:8]}"

    async def version_seen(version: int) -> bool:
        found = await rows(
            clean, "SELECT version FROM notifier.idle_deals WHERE deal_id = $1", deal_id
        )
        return bool(found) and found[0]["version"] == version

    async def inbox() -> dict[str, Any] | None:
        reply = await client.request("crm.query.notify.list", {"actor_id": MGR})
        assert reply["ok"], reply
        return reply if reply["items"] else None

    async with running(clean, "notifier", config=config()):
        await publish(client, "deal.stage_changed", _moved(deal_id, None, "NEW_LEAD", 1))
        await eventually(lambda: version_seen(1))
        refusal = _refused(deal_id, "OFFER_MADE", "PROCESSING", 3)
        await publish(client, "deal.move_rejected", refusal, deal_id)
        [stored] = (await eventually(inbox))["items"]
        assert not stored["read"], stored
        await publish(client, "deal.stage_changed", _moved(deal_id, "NEW_LEAD", "PROCESSING", 2))
        await publish(client, "deal.stage_changed", _moved(deal_id, "PROCESSING", "OFFER_MADE", 3))
        await eventually(lambda: version_seen(3))
        box = await inbox()

    assert box is not None and box["unread"] == 1, box
    [item] = box["items"]
    assert item["id"] == stored["id"] and not item["read"], box
