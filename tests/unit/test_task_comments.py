"""A task's comments in its payload: bounded, so every event of a much-discussed task fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_shared.contracts.task import TaskCommented
from task_service.domain.model import COMMENTS_SHOWN
from tests.unit.task_fakes import a_task

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_the_payload_carries_the_latest_comments_oldest_first_and_their_count() -> None:
    task = a_task(title="Уточнить", creator_id="rop-1", deadline=AT, opened_at=AT, deal_version=1)
    for n in range(40):
        last = task.comment("mgr-1", f"{n} " + "я" * 990, AT + timedelta(minutes=n))
    dto = task.to_dto()
    assert dto.comments_count == 40 and len(dto.comments) == COMMENTS_SHOWN
    assert [c.text.split()[0] for c in dto.comments] == [str(n) for n in range(30, 40)]
    event = TaskCommented(task=dto, comment=last)
    assert len(event.model_dump_json().encode()) < 32 * 1024  # consumers accept 64 KiB
