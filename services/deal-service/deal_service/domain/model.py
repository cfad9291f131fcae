"""The deal aggregate and its contact, as plain data: no ORM, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.dto import Contact as ContactDTO
from crm_shared.dto import Deal as DealDTO


@dataclass
class Contact:
    """Контакт: the client person."""

    id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    pays_by: str | None = None
    segment: str | None = None

    def to_dto(self) -> ContactDTO:
        """The contact as the event API shows it."""
        return ContactDTO.model_validate(self.__dict__)


@dataclass
class Deal:
    """Сделка. `version` grows with every change; events carry it so late ones are ignored."""

    id: str
    stage: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    title: str | None = None
    amount: Decimal | None = None
    currency: str = "RUB"
    contact: Contact | None = None
    company: str | None = None
    responsible_id: str | None = None
    rop_id: str | None = None
    subject: str | None = None
    requirements: str | None = None
    delivery_method: str | None = None
    failure_comment: str | None = None
    contact_attempts: int = 0
    source: str | None = None
    external_id: str | None = None
    changed: list[str] = field(default_factory=list, compare=False)

    def to_dto(self) -> DealDTO:
        """The deal as the event API shows it."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data.pop("changed")
        data["contact"] = self.contact.to_dto() if self.contact else None
        return DealDTO.model_validate(data)

    def copy(self) -> Deal:
        """A shallow copy whose contact can be changed independently."""
        return replace(self, contact=replace(self.contact) if self.contact else None, changed=[])


DEAL_FIELDS = (
    "title",
    "amount",
    "currency",
    "company",
    "responsible_id",
    "rop_id",
    "subject",
    "requirements",
    "delivery_method",
    "failure_comment",
)
CONTACT_FIELDS = ("name", "phone", "email", "pays_by", "segment")
