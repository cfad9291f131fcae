"""task-service's rules as pure functions: which tasks a deal event opens, closes, reassigns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_shared.config import CrmConfig, UnknownStage, load_config
from crm_shared.contracts.dto import CloseReason
from crm_shared.contracts.dto import Deal as DealDTO
from crm_shared.contracts.refusals import ErrorCode, Refused
from task_service.domain.model import DealState, check_may_complete, task_id
from task_service.domain.planning import Closed, DealChange, DealTasks, Opened, Reassigned
from tests.tasks_support import config_variant

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(seconds=1)
STANDARD = load_config()


def deal(version: int, stage: str, **fields: Any) -> DealDTO:
    """The deal at `version`, `version` minutes after its creation at T0."""
    values: dict[str, Any] = {
        "id": "d-1",
        "version": version,
        "stage": stage,
        "contact": {"id": "c-1", "name": "Пётр"},
        "responsible_id": "mgr-1",
        "rop_id": "rop-1",
        "created_at": T0,
        "updated_at": T0 + timedelta(minutes=version - 1),
    }
    return DealDTO.model_validate({**values, **fields})


def move(version: int, stage: str, **fields: Any) -> DealChange:
    return DealChange(deal=deal(version, stage, **fields), is_move=True)


def update(version: int, stage: str, **fields: Any) -> DealChange:
    return DealChange(deal=deal(version, stage, **fields), is_move=False)


def run(changes: list[DealChange], config: CrmConfig = STANDARD) -> DealTasks:
    agg = DealTasks(DealState("d-1"), [])
    for change in changes:
        agg.apply(change, config, NOW)
    return agg


def kinds(agg: DealTasks) -> list[tuple[str, str | None, str | None]]:
    """(event, stage, close reason) of every event raised."""
    return [
        (type(e).__name__, e.task.stage, e.task.close_reason and e.task.close_reason.value)
        for e in agg.events
    ]


def test_new_deal_opens_the_entry_stage_task_for_responsible_with_rop_as_creator() -> None:
    agg = run([move(1, "NEW_LEAD")])
    [opened] = agg.events
    assert isinstance(opened, Opened) and opened.lead_created_at == T0
    task = opened.task
    assert task.title == "Взять в работу новый лид и принять решение о дальнейшем сотрудничестве"
    assert task.description.startswith("Стадия для сделок, создаваемых автоматически")
    assert (task.creator_id, task.responsible_id) == ("rop-1", "mgr-1")
    assert task.deadline == T0 + timedelta(hours=1)
    assert task.id == task_id("d-1", 1, "NEW_LEAD")
    assert agg.state.version == 1 and agg.state.stage == "NEW_LEAD"


def test_moving_closes_the_left_stage_task_and_opens_the_next() -> None:
    agg = run([move(1, "NEW_LEAD"), move(2, "INVOICE_SENT")])
    assert kinds(agg) == [
        ("Opened", "NEW_LEAD", None),
        ("Closed", "NEW_LEAD", "stage_left"),
        ("Opened", "INVOICE_SENT", None),
    ]
    # Both in one batch: the TaskOpened still shows the task open (events hold copies).
    assert agg.events[0].task.is_open and not agg.events[1].task.is_open
    assert set(agg.new) == {task_id("d-1", 1, "NEW_LEAD"), task_id("d-1", 2, "INVOICE_SENT")}
    [task] = agg.open_tasks
    assert task.title == "Пётр. Получить оплату по счету"
    assert task.deadline == T0 + timedelta(minutes=1) + timedelta(days=3)


@pytest.mark.parametrize("final", ["WON", "LOST_SPAM", "LOST_OTHER"])
def test_final_stage_closes_every_open_task(final: str) -> None:
    agg = run([move(1, "NEW_LEAD", rop_id=None), move(2, final)], config_variant("free"))
    assert sorted(kinds(agg)[2:], key=str) == [
        ("Closed", "NEW_LEAD", "deal_closed"),
        ("Closed", None, "deal_closed"),
    ]
    assert agg.open_tasks == [] and agg.state.closed


def test_stale_duplicate_and_out_of_order_events_change_nothing() -> None:
    agg = run([move(1, "NEW_LEAD"), move(3, "OFFER_MADE")])
    before = list(agg.events)
    assert not agg.apply(move(2, "PROCESSING"), STANDARD, NOW)
    assert not agg.apply(move(3, "OFFER_MADE"), STANDARD, NOW)
    assert not agg.apply(move(1, "NEW_LEAD"), STANDARD, NOW)
    assert agg.events == before and agg.state.version == 3


def test_a_late_event_never_reopens_a_closed_deal() -> None:
    agg = run([move(1, "NEW_LEAD"), move(3, "LOST_SPAM"), move(2, "PROCESSING")])
    assert agg.open_tasks == []
    assert [k[0] for k in kinds(agg)] == ["Opened", "Closed"]


def test_completed_task_is_not_reopened_by_an_update_in_the_same_stage() -> None:
    agg = run([move(1, "NEW_LEAD")])
    task = agg.open_tasks.pop()
    task.close(CloseReason.completed, NOW)  # as the complete command does
    agg.events.clear()
    assert agg.apply(update(2, "NEW_LEAD", requirements="r"), STANDARD, NOW)
    assert agg.events == [] and agg.open_tasks == []


def test_free_plan_rop_task_opens_for_a_deal_without_rop_and_closes_when_set() -> None:
    free = config_variant("free")
    agg = run([move(1, "NEW_LEAD", rop_id=None)], free)
    rop_task = next(t for t in agg.open_tasks if t.stage is None)
    assert rop_task.title == "Укажите руководителя отдела продаж"
    assert rop_task.responsible_id == "mgr-1" and rop_task.creator_id is None
    assert rop_task.deadline == T0 + timedelta(hours=1)
    agg.events.clear()
    agg.apply(update(2, "NEW_LEAD", rop_id="rop-1"), free, NOW)
    assert [(type(e), e.task.stage) for e in agg.events] == [
        (Closed, None),
        (Reassigned, "NEW_LEAD"),
    ]
    assert rop_task.close_reason is CloseReason.rop_set
    assert agg.open_tasks[0].creator_id == "rop-1"


def test_free_plan_rop_task_is_opened_once_per_missing_rop() -> None:
    free = config_variant("free")
    agg = run([move(1, "NEW_LEAD", rop_id=None)], free)
    rop_task = next(t for t in agg.open_tasks if t.stage is None)
    agg.open_tasks.remove(rop_task)
    rop_task.close(CloseReason.completed, NOW)
    agg.apply(update(2, "NEW_LEAD", rop_id=None, title="x"), free, NOW)
    assert not any(t.stage is None for t in agg.open_tasks)  # completed: not again
    agg.apply(update(3, "NEW_LEAD", rop_id="rop-1"), free, NOW)
    agg.apply(update(4, "NEW_LEAD", rop_id=None), free, NOW)  # cleared: asked for again
    assert [t.id for t in agg.open_tasks if t.stage is None] == [task_id("d-1", 4, None)]


def test_plans_with_the_rop_robot_never_open_the_rop_task() -> None:
    agg = run([move(1, "NEW_LEAD", rop_id=None)])
    assert [t.stage for t in agg.open_tasks] == ["NEW_LEAD"]


def test_new_responsible_takes_over_and_new_rop_becomes_creator() -> None:
    agg = run([move(1, "NEW_LEAD"), update(2, "NEW_LEAD", responsible_id="mgr-2", rop_id="rop-2")])
    [task] = agg.open_tasks
    assert (task.responsible_id, task.creator_id) == ("mgr-2", "rop-2")
    reassigned = agg.events[-1]
    assert isinstance(reassigned, Reassigned)
    assert reassigned.changed == ("responsible_id", "creator_id")
    assert agg.dirty == {} and task.id in agg.new  # opened in this batch: inserted as it is


def test_tasks_carry_the_deal_title_and_contact_name_and_follow_a_rename() -> None:
    agg = run([move(1, "NEW_LEAD", title="Кирпич")])
    [task] = agg.open_tasks
    assert (task.deal_title, task.contact_name) == ("Кирпич", "Пётр")
    agg.apply(
        update(2, "NEW_LEAD", title="Кирпич М150", contact={"id": "c-1", "name": "Пётр И."}),
        STANDARD,
        NOW,
    )
    assert (task.deal_title, task.contact_name) == ("Кирпич М150", "Пётр И.")
    renamed = agg.events[-1]
    assert isinstance(renamed, Reassigned)
    assert renamed.changed == ("deal_title", "contact_name")
    assert renamed.task.to_dto().deal_title == "Кирпич М150"
    count = len(agg.events)
    agg.apply(update(3, "NEW_LEAD", title="Кирпич М150", contact={"id": "c-1", "name": "Пётр И."}),
              STANDARD, NOW)  # fmt: skip
    assert len(agg.events) == count  # nothing changed, nothing said


def test_a_client_without_a_name_is_named_by_the_phone_else_the_e_mail() -> None:
    """A phone-only lead is common (a call, a callback form): its task names the phone as it
    is read, never «контакт не указан» for a client the manager can call."""
    agg = run([move(1, "NEW_LEAD", title="Кирпич")])
    [task] = agg.open_tasks
    by_phone = {"id": "c-1", "name": " ", "phone": "+79123456789"}
    agg.apply(update(2, "NEW_LEAD", title="Кирпич", contact=by_phone), STANDARD, NOW)
    assert task.contact_name == "+7 912 345-67-89"
    by_mail = {"id": "c-1", "email": "petr@example.ru"}
    agg.apply(update(3, "NEW_LEAD", title="Кирпич", contact=by_mail), STANDARD, NOW)
    assert task.contact_name == "petr@example.ru"
    agg.apply(update(4, "NEW_LEAD", title="Кирпич", contact={"id": "c-1"}), STANDARD, NOW)
    assert task.contact_name is None


def test_update_showing_a_stage_whose_move_is_late_opens_its_task() -> None:
    agg = run([update(2, "NEW_LEAD"), update(4, "PROCESSING")])
    first, left, second = agg.events
    assert first.task.deadline == T0 + timedelta(hours=1)  # the entry stage: since creation
    assert isinstance(left, Closed) and left.task.close_reason is CloseReason.stage_left
    assert left.task.closed_by is None  # the system closed it: no one to name
    assert second.task.deadline == T0 + timedelta(minutes=3) + timedelta(days=1)
    assert not agg.apply(move(3, "PROCESSING"), STANDARD, NOW)


def test_unknown_stage_is_refused_before_anything_changes() -> None:
    agg = run([move(1, "NEW_LEAD")])
    with pytest.raises(UnknownStage):
        agg.apply(move(2, "NO_SUCH_STAGE"), STANDARD, NOW)
    assert agg.state.version == 1 and len(agg.open_tasks) == 1


def test_who_may_complete_a_task() -> None:
    [task] = run([move(1, "NEW_LEAD")]).open_tasks
    check_may_complete(task, "mgr-1", "rop-1")
    check_may_complete(task, "rop-1", "rop-1")
    with pytest.raises(Refused) as refused:
        check_may_complete(task, "mgr-2", "rop-1")
    assert refused.value.error.code is ErrorCode.forbidden
    assert "mgr-2" in refused.value.error.message and "mgr-1" in refused.value.error.message
    check_may_complete(task, "mgr-2", "rop-1", sees_all=True)  # access: all
    task.close(CloseReason.completed, NOW)
    with pytest.raises(Refused) as refused:
        check_may_complete(task, "mgr-1", "rop-1")
    assert refused.value.error.code is ErrorCode.transition_not_allowed


def test_a_task_an_import_opens_is_due_from_its_opening_not_from_the_source_time() -> None:
    # A deal imported at a stage it entered in Bitrix24 days ago: its task was born overdue
    # (deadline T0 + 1 h, the РОП told at once); the history keeps T0, the task counts from now.
    now = T0 + timedelta(days=10)
    agg = DealTasks(DealState("d-1"), [])
    agg.apply(DealChange(deal=deal(2, "OFFER_MADE"), is_move=True, imported=True), STANDARD, now)
    [opened] = agg.events
    assert isinstance(opened, Opened)
    assert opened.task.deadline == now + timedelta(days=2)  # OFFER_MADE: 2 days, not T0 + 2
    free = DealTasks(DealState("d-1"), [])
    change = DealChange(deal=deal(1, "NEW_LEAD", rop_id=None), is_move=True, imported=True)
    free.apply(change, config_variant("free"), now)
    assert {t.deadline for t in free.open_tasks} == {now + timedelta(hours=1)}


def test_a_renamed_client_is_renamed_in_the_titles_the_templates_made() -> None:
    """A helper's review: a contact edited into another person kept the first one's name in
    the open task's title («Пётр. Уточнить…» with contact_name «Анна Петрова»), so an erasure,
    which looks for the current name, left it there. The title follows the rename, a name
    inside a longer word does not move, and a person's own task keeps their words."""
    from task_service.domain.model import Task

    agg = run([move(1, "NEW_LEAD"), move(2, "PROCESSING", contact={"id": "c-1", "name": "Ут"})])
    [stage_task] = agg.open_tasks
    assert stage_task.title == "Ут. Уточнить необходимую информацию и сделать КП"
    own = Task(id="own-1", deal_id="d-1", stage=None, title="Ут: позвонить Ут", description="Ут",
               creator_id="mgr-1", responsible_id="mgr-1", deadline=None, opened_at=T0,
               deal_version=2, kind="own", contact_name="Ут")  # fmt: skip
    agg.open_tasks.append(own)
    agg.apply(update(3, "PROCESSING", contact={"id": "c-1", "name": "Анна Петрова"}), STANDARD, NOW)
    assert stage_task.title == "Анна Петрова. Уточнить необходимую информацию и сделать КП"
    assert (own.title, own.description, own.contact_name) == (
        "Ут: позвонить Ут",
        "Ут",
        "Анна Петрова",
    )
    renamed = [e for e in agg.events if isinstance(e, Reassigned) and e.task.id == stage_task.id]
    assert renamed[-1].task.title.startswith("Анна Петрова.")  # the TaskUpdated carries it
    agg.apply(update(4, "PROCESSING", contact={"id": "c-1"}), STANDARD, NOW)  # name cleared
    assert stage_task.title.startswith("Анна Петрова.")
