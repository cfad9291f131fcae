"""task-service writes a task's columns as the task holds them, its enums as their codes."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_shared.contracts.dto import CloseReason, TaskStatus
from task_service.adapters.repository import _TASK_COLUMNS, _row
from tests.unit.task_fakes import a_task

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_a_row_is_the_tasks_columns_in_order_with_enum_codes() -> None:
    opened = a_task(
        stage="NEW_LEAD",
        description="Инструкция",
        creator_id="rop-1",
        deadline=NOW,
        opened_at=NOW,
        deal_version=3,
        contact_name="+7 912 345-67-89",
    )
    row = dict(zip(_TASK_COLUMNS, _row(opened), strict=True))
    assert row["status"] == "open" and type(row["status"]) is str
    assert row["close_reason"] is None and row["closed_at"] is None
    assert (row["id"], row["deal_version"], row["deadline"]) == ("t-1", 3, NOW)
    assert row["contact_name"] == "+7 912 345-67-89" and row["kind"] == "stage"
    opened.status, opened.close_reason, opened.closed_at = (
        TaskStatus.closed, CloseReason.stage_left, NOW
    )  # fmt: skip
    row = dict(zip(_TASK_COLUMNS, _row(opened), strict=True))
    assert (row["status"], row["close_reason"], row["closed_at"]) == ("closed", "stage_left", NOW)
    assert type(row["close_reason"]) is str
