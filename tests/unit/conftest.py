"""The unit tier's fixtures: deal-service's and task-service's handlers on fakes."""

from __future__ import annotations

from tests.unit.deal_fakes import world
from tests.unit.task_fakes import tasks

__all__ = ["tasks", "world"]
