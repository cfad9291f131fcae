"""A refused move's notice is settled when the deal reaches that stage anyway (the board's
dialog fixed the fields and moved it): which stages a batch of deal events reached, and
which notices remember which stage. The reading itself runs on the real stack
(tests/e2e/test_notifier_refusals_settled.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_shared.config import FIELD_DISPLAY_NAMES, NotificationTemplates
from crm_shared.contracts.deal import (
    DealNoted,
    DealUpdated,
    MoveRejected,
    RejectionError,
    StageChanged,
)
from crm_shared.contracts.dto import Deal
from crm_shared.contracts.notify import NoticeKind, Notification, NotificationsRead
from notifier.domain.messages import move_rejected_notification
from notifier.domain.refusals import Reached, Refusal, refusals_of, stages_reached
from notifier.handlers.notify import READ_IDS, emit_read
from tests.unit.fakes import FakeBus, FakeUnitOfWork

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _deal(deal_id: str, stage: str, version: int) -> Deal:
    return Deal(id=deal_id, version=version, stage=stage, created_at=T0, updated_at=T0)


def _moved(deal_id: str, to_stage: str, version: int) -> StageChanged:
    return StageChanged(
        deal_id=deal_id, from_stage="NEW_LEAD", to_stage=to_stage, version=version,
        actor_id="mgr-1", deal=_deal(deal_id, to_stage, version),
    )  # fmt: skip


def test_a_move_reaches_its_stage_and_nothing_else_reaches_any() -> None:
    events = [
        _moved("d1", "PROCESSING", 2),
        DealUpdated(deal=_deal("d2", "PROCESSING", 3), changed=["requirements"]),
        DealNoted(deal_id="d3", actor_id="mgr-1", at=T0),
        _moved("d1", "PROCESSING", 2),  # the same move again: once
        _moved("d1", "OFFER_MADE", 3),
        None,
        _moved("d4", "NEW_LEAD", 1).model_copy(update={"from_stage": None}),  # its creation
    ]
    assert stages_reached(events) == [
        Reached("d1", "PROCESSING", 2),
        Reached("d1", "OFFER_MADE", 3),
    ]
    assert stages_reached([]) == []


def test_a_refused_moves_notice_remembers_the_stage_asked_for_and_the_deals_version() -> None:
    event = MoveRejected(
        deal_id="d1",
        to_stage="PROCESSING",
        actor_id="mgr-1",
        error=RejectionError(code="missing_fields", message="...", missing_fields=["requirements"]),
        responsible_id="mgr-1",
    )
    note = move_rejected_notification(
        event, "Обрабатываем запрос", FIELD_DISPLAY_NAMES, NotificationTemplates(), {}
    )
    assert note is not None
    note.id = "n1"
    other = Notification(
        id="n2", kind=NoticeKind.approval_requested, text="…", deal_id="d1", user_id="rop-1"
    )
    # an event from before MoveRejected carried the deal: no version known
    assert refusals_of(event, [note, other]) == {"n1": Refusal("d1", "PROCESSING", None)}
    event.deal = _deal("d1", "NEW_LEAD", 4)
    assert refusals_of(event, [note, other]) == {"n1": Refusal("d1", "PROCESSING", 4)}


async def test_reads_are_told_per_user_and_deal_in_chunks_on_the_users_read_subject() -> None:
    """`emit_read`: one NotificationsRead a user and deal (none for a user's own read), at
    most READ_IDS ids each, on crm.notify.<user_id>.read; a user id no subject can carry is
    skipped."""
    uow = FakeUnitOfWork(FakeBus())
    settled = [("mgr-1", "d1", "n1"), ("mgr-2", "d1", "n2"), ("mgr-1", "d1", "n3")]
    emit_read(uow, [*settled, ("a.b", "d1", "n4")], "settled")  # type: ignore[arg-type]
    emit_read(uow, [("mgr-1", None, f"r{i}") for i in range(READ_IDS + 1)], "read")  # type: ignore[arg-type]
    await uow.commit()
    told = [(subject, e.model_dump()) for subject, e in uow.bus.published]
    assert [(s, d["deal_id"], d["reason"], len(d["ids"])) for s, d in told] == [
        ("crm.notify.mgr-1.read", "d1", "settled", 2),
        ("crm.notify.mgr-2.read", "d1", "settled", 1),
        ("crm.notify.mgr-1.read", None, "read", READ_IDS),
        ("crm.notify.mgr-1.read", None, "read", 1),
    ]
    assert told[0][1]["ids"] == ["n1", "n3"] and all(
        isinstance(e, NotificationsRead) for e in uow.bus.events()
    )
