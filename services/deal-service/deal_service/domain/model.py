"""The deal aggregate: it checks the rules, bumps its version and collects the events it raised.

No ORM, no I/O. Handlers load a deal, call a method (`Deal.open` for leads too, `move_to`,
`update`, `log_contact_attempt`), save what changed and emit `events` (as `DealTasks` does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from crm_shared.config import CrmConfig
from crm_shared.contracts.base import EventData
from crm_shared.contracts.deal import (
    DealCreated,
    DealUpdated,
    MoveRejected,
    RejectionError,
    StageChanged,
)
from crm_shared.contracts.dto import Deal as DealDTO
from crm_shared.contracts.envelope import new_id
from crm_shared.contracts.refusals import ErrorCode, Refused
from deal_service.domain import rules
from deal_service.domain.changes import DEAL_FIELDS as DEAL_FIELDS
from deal_service.domain.changes import FieldChanges, set_contact
from deal_service.domain.contacts import Contact

MAX_SHOWN_ATTEMPTS = 5
"""Contact attempts of the current stage the deal's payload lists (the count has them all)."""
MAX_SHOWN_NOTE = 500
"""Characters of an attempt's note in the payload; the full note stays in the attempt log."""


@dataclass(frozen=True)
class ContactAttempt:
    """A failed attempt to reach the client."""

    actor_id: str
    note: str | None
    at: datetime


@dataclass(frozen=True)
class StageEntry:
    """The deal entered its current stage (from `from_stage`, None for a new deal)."""

    from_stage: str | None
    actor_id: str | None


_NOT_STATE = ("events", "logged", "entries", "contact_changed")


@cache
def _state() -> tuple[str, ...]:
    """The names of a deal's state fields (all but the pending work), found once."""
    return tuple(f.name for f in fields(Deal) if f.name not in _NOT_STATE)


@dataclass
class Deal:
    """Сделка. `version` grows with every change; events carry it so late ones are ignored.

    `contact_attempts` and `attempts` are those of the current stage. After a method call,
    `events` holds what it raised, `logged` the attempts and `entries` the stage entries to
    store, and `contact_changed` says whether the contact's row needs writing.
    """

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
    delivery_address: str | None = None
    failure_comment: str | None = None
    contact_attempts: int = 0
    attempts: list[ContactAttempt] = field(default_factory=list)
    source: str | None = None
    external_id: str | None = None
    comment: str | None = None
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)
    logged: list[ContactAttempt] = field(default_factory=list, compare=False, repr=False)
    entries: list[StageEntry] = field(default_factory=list, compare=False, repr=False)
    contact_changed: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def open(
        cls,
        config: CrmConfig,
        *,
        now: datetime,
        actor_id: str | None,
        contact: Contact | None,
        responsible_id: str | None,
        rop_id: str | None = None,
        deal_id: str | None = None,
        **values: Any,
    ) -> Deal:
        """A new deal in the entry stage (rule 8), with the РОП robot applied (rule 1).

        `values` are the other fields (title, amount, currency, subject, ..., comment).
        """
        if rop_id is None and config.rop_robot:
            rop_id = config.default_rop
        deal = cls(
            id=deal_id or new_id(),
            stage=config.entry_stage.code,
            created_at=now,
            updated_at=now,
            contact=contact,
            responsible_id=responsible_id,
            rop_id=rop_id,
            **values,
        )
        dto = deal.to_dto()
        deal.entries.append(StageEntry(None, actor_id))
        deal.events += [
            DealCreated(deal=dto),
            StageChanged(
                deal_id=deal.id,
                from_stage=None,
                to_stage=deal.stage,
                version=deal.version,
                actor_id=actor_id,
                deal=dto,
            ),
        ]
        return deal

    def move_to(
        self,
        to_stage: str,
        *,
        actor_id: str,
        failure_comment: str | None,
        config: CrmConfig,
        now: datetime,
        changes: FieldChanges | None = None,
    ) -> list[str]:
        """Move to `to_stage` (rules 4–7), or raise Refused having raised MoveRejected.

        With `changes`, the fields are set in the same step: the rules see the deal as filled
        in, and nothing is set unless it moves (one version, one StageChanged whose `changed`
        names them). Returns the names of the fields set besides the stage.
        """
        after, changed = self._changed(changes, config) if changes else (self, [])
        try:
            rules.check_move(after, to_stage, actor_id, failure_comment, config)
        except Refused as refused:
            err = refused.error
            self.events.append(
                MoveRejected(
                    deal_id=self.id,
                    to_stage=to_stage,
                    actor_id=actor_id,
                    error=RejectionError.model_validate(err.model_dump(mode="json")),
                    responsible_id=self.responsible_id,
                    from_stage=self.stage,
                    deal=self.to_dto(),
                )
            )
            raise
        if changed:
            self._adopt(after, changed)
        from_stage = self.stage
        self.stage = to_stage
        if rules.filled(failure_comment):
            self.failure_comment = failure_comment
        self.contact_attempts, self.attempts = 0, []  # the count starts again (rule 6)
        self._touch(now)
        self.entries.append(StageEntry(from_stage, actor_id))
        self.events.append(
            StageChanged(
                deal_id=self.id,
                from_stage=from_stage,
                to_stage=to_stage,
                version=self.version,
                actor_id=actor_id,
                deal=self.to_dto(),
                changed=changed,
            )
        )
        return changed

    def update(
        self,
        values: Mapping[str, Any],
        contact_values: Mapping[str, Any],
        *,
        config: CrmConfig,
        now: datetime,
        attach: Contact | None = None,
        sharing: Iterable[tuple[str, str]] = (),
        kept: bool = True,
        actor_id: str | None = None,
    ) -> list[str]:
        """Set fields (never the stage) for `actor_id` (None: an import); returns the names
        that changed, [] for no change. `attach` is the contact found or made for a deal that
        had none; `sharing` are the (deal id, stage) of the contact's other deals. Refused,
        changing nothing, when the update would empty a field that the current stage requires,
        or a contact field that another open deal of the contact requires at its stage
        (`rules.check_kept`; not with `kept` false: a re-import)."""
        changes = FieldChanges(values, contact_values, attach, tuple(sharing), kept)
        after, changed = self._changed(changes, config)
        if not changed:
            return []
        previous = self.responsible_id if "responsible_id" in changed else None
        self._adopt(after, changed)
        self._touch(now)
        event = DealUpdated(deal=self.to_dto(), changed=changed, actor_id=actor_id)
        event.previous_responsible_id = previous
        self.events.append(event)
        return changed

    def _changed(self, changes: FieldChanges, config: CrmConfig) -> tuple[Deal, list[str]]:
        """A copy with `changes` set, and the names that changed; Refused if they empty what
        must stay filled (`rules.check_kept`). The deal itself is untouched."""
        after = self.copy()
        changed: list[str] = []
        for name, value in changes.values.items():
            if getattr(after, name) != value:
                setattr(after, name, value)
                changed.append(name)
        before = self
        if after.contact is None and changes.attach is not None:
            # An attached contact may be another deal's: what it held is checked too.
            before = replace(self, contact=changes.attach)
            after.contact = replace(changes.attach)
            changed.append("contact")
        if after.contact is not None:
            changed += set_contact(after.contact, changes.contact_values)
        if not changed:
            return after, []
        if changes.kept:
            rules.check_kept(before, after, changes.sharing, config)
        if not rules.filled(after.currency):  # a stage that requires it refused above
            raise Refused(ErrorCode.invalid, "fields.currency: cannot be empty")
        return after, changed

    def _adopt(self, after: Deal, changed: list[str]) -> None:
        """Take the state of `after` (from `_changed`), the fields in `changed` set."""
        for name in _state():
            setattr(self, name, getattr(after, name))
        self.contact_changed = any(c.startswith("contact") for c in changed)

    def log_contact_attempt(
        self, *, actor_id: str, note: str | None, config: CrmConfig, now: datetime
    ) -> None:
        """Count a failed attempt to reach the client on the current stage (rule 6)."""
        if config.is_final(self.stage):
            closed = f"the deal is closed in {self.stage}"
            raise Refused(
                ErrorCode.transition_not_allowed, closed, reason="closed", stage=self.stage
            )
        attempt = ContactAttempt(actor_id, note, now)
        self.logged.append(attempt)
        shown = replace(attempt, note=note[:MAX_SHOWN_NOTE] if note else note)
        self.attempts = [*self.attempts, shown][-MAX_SHOWN_ATTEMPTS:]
        self.contact_attempts += 1
        self._touch(now)
        event = DealUpdated(deal=self.to_dto(), changed=["contact_attempts"], actor_id=actor_id)
        self.events.append(event)

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now

    def to_dto(self) -> DealDTO:
        """The deal as the event API shows it."""
        data: dict[str, Any] = {name: getattr(self, name) for name in _state()}
        data["contact"] = self.contact.to_dto() if self.contact else None
        data["attempts"] = [a.__dict__ for a in self.attempts]
        return DealDTO.model_validate(data)

    def copy(self) -> Deal:
        """A copy whose contact can be changed independently, with nothing pending."""
        return replace(
            self,
            contact=replace(self.contact) if self.contact else None,
            attempts=list(self.attempts),
            events=[],
            logged=[],
            entries=[],
            contact_changed=False,
        )
