"""The command being handled in this task: its key, for its unit of work to record.

Below both `outbox` (whose commit writes the key) and `requests` (which finds and answers a
retry; see there for the whole story), so that neither imports the other for it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass
class PendingRequest:
    """The command being handled in this task, for its unit of work to record."""

    actor_id: str
    request_id: str
    subject: str
    recorded: bool = False

    def insert(self, schema: str) -> tuple[str, tuple[Any, ...]]:
        """The statement that records the key with the command's changes."""
        self.recorded = True
        return (
            f"""INSERT INTO "{schema}".handled_requests (actor_id, request_id, subject)
                VALUES ($1, $2, $3)""",
            (self.actor_id, self.request_id, self.subject),
        )


CURRENT_REQUEST: ContextVar[PendingRequest | None] = ContextVar("crm_request", default=None)


__all__ = ["CURRENT_REQUEST", "PendingRequest"]
