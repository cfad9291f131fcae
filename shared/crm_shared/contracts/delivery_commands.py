"""Request bodies of the notifier's delivery administration (request/reply, plain JSON).

Kept apart from `commands` (the deal and task API) because they serve operations, not the
sales process: a webhook or e-mail delivery given up after `webhook.max_attempts` is listed
and tried again by hand (`crm delivery list / retry`).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from crm_shared.contracts.commands import ID_PREFIX, Command, Strict
from crm_shared.contracts.replies import Asks, DeliveriesReply, RetryReply
from crm_shared.contracts.text import ID_BYTES

# Ids as the CRM makes them (user ids of the configuration, UUIDs of deliveries): no NUL,
# no lone surrogate or other text the database would refuse can get through.
Id = Annotated[str, StringConstraints(pattern=rf"^[A-Za-z0-9_.:-]{{1,{ID_BYTES}}}$")]


class ListDeliveries(Strict, Asks[DeliveriesReply]):
    """crm.query.notify.deliveries: webhook and e-mail deliveries, newest first.

    `status` failed (the default): given up after webhook.max_attempts; pending: still to
    be made. `user_id` narrows the list to one recipient, `id_prefix` to the deliveries whose
    id starts so (an id as a person types it from a list).
    """

    SUBJECT: ClassVar[str] = "crm.query.notify.deliveries"
    status: Literal["failed", "pending"] = "failed"
    user_id: Id | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)


class RetryDeliveries(Command, Asks[RetryReply]):
    """crm.cmd.notify.retry: try failed deliveries once more, now.

    Either `delivery_ids` (up to 500) or `all: true`. A retried delivery gets one more
    attempt; if that fails too, it is failed again with the new error.
    """

    SUBJECT: ClassVar[str] = "crm.cmd.notify.retry"
    actor_id: Id  # the command's, narrowed to the ids the CRM makes
    delivery_ids: list[Id] | None = Field(None, min_length=1, max_length=500)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.delivery_ids is None) == (not self.all):
            raise ValueError("give either delivery_ids or all: true")
        return self
