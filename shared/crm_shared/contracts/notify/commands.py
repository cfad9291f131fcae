"""The notifier's commands: mark a person's notifications read; try failed deliveries again
(`crm delivery retry`: a webhook or e-mail delivery given up after `webhook.max_attempts`)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator

from crm_shared.contracts.base import Asks, Command
from crm_shared.contracts.notify.replies import ReadReply, RetryReply
from crm_shared.contracts.text import CrmId, Id


class ReadNotifications(Command, Asks[ReadReply]):
    """crm.cmd.notify.read: mark notifications of the actor's inbox read, by id or all."""

    SUBJECT: ClassVar[str] = "crm.cmd.notify.read"
    ids: list[Id] | None = Field(None, max_length=500)
    all: bool = False

    @model_validator(mode="after")
    def _what(self) -> Self:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either ids or all: true (not both)")
        return self


class RetryDeliveries(Command, Asks[RetryReply]):
    """crm.cmd.notify.retry: try failed deliveries once more, now.

    Either `delivery_ids` (up to 500) or `all: true`. A retried delivery gets one more
    attempt; if that fails too, it is failed again with the new error.
    """

    SUBJECT: ClassVar[str] = "crm.cmd.notify.retry"
    actor_id: CrmId  # the command's, narrowed to the ids the CRM makes
    delivery_ids: list[CrmId] | None = Field(None, min_length=1, max_length=500)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.delivery_ids is None) == (not self.all):
            raise ValueError("give either delivery_ids or all: true")
        return self
