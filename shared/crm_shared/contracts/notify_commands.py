"""Request bodies of the notifier's inbox: the notifications a person reads and marks read
(`crm inbox`, the board's bell). The delivery administration is in `delivery_commands`."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator

from crm_shared.contracts.commands import ID_PREFIX, Command, Strict
from crm_shared.contracts.replies import Asks, NotificationsReply, ReadReply
from crm_shared.contracts.text import Cursor, Id


class ListNotifications(Strict, Asks[NotificationsReply]):
    """crm.query.notify.list: the actor's own notification inbox, newest first; `id_prefix`
    narrows it to the notifications whose id starts so (an id as a person types it)."""

    SUBJECT: ClassVar[str] = "crm.query.notify.list"
    actor_id: Id
    unread_only: bool = False
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: Cursor | None = None


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
