"""The CloudEvents 1.0 envelope (structured JSON mode) that every event on the bus wears."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from crm_shared.contracts.text import check_text, utc_text

SPECVERSION = "1.0"


def utcnow() -> datetime:
    """Now, in UTC, with microseconds (every stored and emitted time is UTC)."""
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh, globally unique event id (UUIDv4 text).

    The text `str(uuid.uuid4())` gives, from the same 16 random bytes with the same version
    and variant bits, without building a `uuid.UUID` (less than half the cost; ids are made
    for every event, deal, contact and notice on the lead path)."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _quoted(text: str) -> str:
    """`text` as a JSON string, as pydantic writes it (UTF-8, only what must be escaped)."""
    return json.dumps(text, ensure_ascii=False)


_quoted_constant = lru_cache(maxsize=256)(_quoted)  # a service's source and event types


def json_bytes(model: BaseModel) -> bytes:
    """`model.model_dump_json().encode()`, without making the str in between."""
    return model.__pydantic_serializer__.to_json(model)


def _event_id(value: str) -> str:
    return check_text(value, 200)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 structured-mode envelope.

    `id` is unique per event and doubles as JetStream's `Nats-Msg-Id`, so a re-published
    event is dropped by the stream's duplicate window. `subject` carries the aggregate id
    (the deal id) so that consumers and tools can route without opening `data`.
    """

    model_config = ConfigDict(extra="allow")

    specversion: str = SPECVERSION
    # Bounded: it becomes the consumers' inbox key (and a NUL there fails the insert).
    id: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_event_id)] = Field(
        default_factory=new_id
    )
    source: str
    type: str
    time: datetime = Field(default_factory=utcnow)
    subject: str | None = None
    datacontenttype: str = "application/json"
    data: dict[str, Any]

    @classmethod
    def encode(
        cls, *, source: str, type: str, subject: str | None, data: BaseModel
    ) -> tuple[str, bytes]:
        """A new event's id and body, straight from its `data` model.

        The same bytes as `CloudEvent(..., data=data.model_dump(mode="json")).to_bytes()`,
        without building the dict and validating it again: `data` is serialised once, by
        pydantic's own serialiser, and set into the envelope (whose last field it is).
        """
        # The envelope's own fields written here, in the model's order and its JSON form
        # (a test holds them to the model's bytes): building the model and serialising it
        # cost as much as the data's serialisation, per event. The data is taken as the
        # serialiser's UTF-8 bytes (`model_dump_json` decodes them to a str, which was then
        # encoded again: half the cost of a TaskOpened with its stage's long instruction).
        event_id = new_id()
        about = "" if subject is None else f'"subject":{_quoted(subject)},'
        head = (
            f'{{"specversion":"{SPECVERSION}","id":"{event_id}","source":'
            f'{_quoted_constant(source)},"type":{_quoted_constant(type)},"time":'
            f'"{utc_text(utcnow())}",{about}"datacontenttype":"application/json",'
            f'"data":'
        )
        return event_id, b"".join((head.encode(), json_bytes(data), b"}"))

    def to_bytes(self) -> bytes:
        """Serialise to the structured-mode JSON body."""
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        """Parse a structured-mode JSON body; raises pydantic.ValidationError when malformed."""
        return cls.model_validate_json(raw)
