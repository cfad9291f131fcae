"""deal-service's handlers on fakes: its deals and contacts in memory (see `fakes`).

`deal_handlers` puts a `FakeDeals` in place of the adapter modules `handlers.deals` reads
through (`repo`, `people`, and the approvals' `approvals`); the writes the handlers queue
and the events they raise go to the fake unit of work, and the saved deal is kept when it
commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crm_shared.config import CrmConfig, load_config
from deal_service.adapters import repository
from deal_service.adapters.metrics import DealMetrics
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from deal_service.handlers import approvals as approval_handlers
from deal_service.handlers import deals as handlers
from deal_service.handlers import shared_contact
from deal_service.handlers.context import Context
from tests.unit.fakes import FakeUnitOfWork, Stored, UnitsOfWork


class FakeDeals:
    """The reads and writes of `adapters.repository` and `adapters.contacts` that the deal
    commands use, on dictionaries."""

    def __init__(self) -> None:
        self.deals = Stored()
        self.contacts = Stored()
        self.requests = Stored()
        self.turns = 0

    # adapters.repository
    async def get_deal(self, conn: Any, deal_id: str, *, lock: bool = False) -> Deal | None:
        return self.deals.read(deal_id)

    def save(self, uow: FakeUnitOfWork, deal: Deal, *, new: bool = False) -> None:
        if deal.contact is not None and deal.contact_changed:
            self.contacts.write(uow, deal.contact.id, deal.contact)
        repository.emit(uow, deal)  # type: ignore[arg-type]  # the real one: events, cleared
        self.deals.write(uow, deal.id, deal)

    def emit(self, uow: FakeUnitOfWork, deal: Deal) -> None:
        repository.emit(uow, deal)  # type: ignore[arg-type]

    async def contact_deals(self, conn: Any, contact_id: str, except_deal: str) -> list[Deal]:
        return [
            d
            for deal_id in sorted(self.deals.rows)
            if (d := self.deals.read(deal_id)) is not None
            and d.contact is not None
            and d.contact.id == contact_id
            and d.id != except_deal
        ]

    # adapters.approvals
    def asked(
        self, uow: FakeUnitOfWork, deal_id: str, to_stage: str, asked_by: str, at: Any
    ) -> None:
        self.requests.write(uow, deal_id, {"to_stage": to_stage, "asked_by": asked_by, "at": at})

    async def take(self, uow: FakeUnitOfWork, deal_id: str) -> dict[str, Any] | None:
        request = self.requests.read(deal_id)
        if request is not None:
            self.requests.write(uow, deal_id, None)
        return request

    async def next_assignment_number(self, conn: Any) -> int:
        self.turns += 1
        return self.turns

    # adapters.contacts
    async def find_contact(
        self, conn: Any, phone: str | None, email: str | None, visible_to: str | None = None
    ) -> Any:
        for contact in self.contacts.rows.values():
            known_phone, known_email = contact.keys()
            same = (phone and phone == known_phone) or (email and email == known_email)
            if same and (visible_to is None or await self.on_deal_of(conn, contact.id, visible_to)):
                return self.contacts.read(contact.id)
        return None

    async def on_deal_of(self, conn: Any, contact_id: str, user_id: str) -> bool:
        return any(
            d.contact is not None and d.contact.id == contact_id and d.responsible_id == user_id
            for d in self.deals.rows.values()
        )

    async def get_contact(self, conn: Any, contact_id: str) -> Contact | None:
        return self.contacts.read(contact_id)

    async def lock_contact(self, conn: Any, contact_id: str, *, share: bool = False) -> Contact:
        return self.contacts.read(contact_id)

    async def contact_stages(
        self, conn: Any, contact_id: str, except_deal: str
    ) -> list[tuple[str, str]]:
        stages: dict[str, str] = {}
        for deal in self.deals.rows.values():
            if deal.contact and deal.contact.id == contact_id and deal.id != except_deal:
                stages.setdefault(deal.stage, deal.id)
        return sorted((deal_id, stage) for stage, deal_id in stages.items())

    def put(self, deal: Deal) -> Deal:
        """Store a deal as if it had been saved before the test (its events dropped)."""
        deal.events.clear()
        deal.entries.clear()
        deal.logged.clear()
        self.deals.rows[deal.id] = deal
        if deal.contact is not None:
            self.contacts.rows[deal.contact.id] = deal.contact
        return self.deals.read(deal.id)


class DealWorld:
    """A deal-service context on fakes: `ctx` for the handlers, `store`, `uows` and `bus`."""

    def __init__(self, config: CrmConfig) -> None:
        self.store = FakeDeals()
        self.uows = UnitsOfWork()
        self.bus = self.uows.bus
        self.ctx = Context(config=config, uow=self.uows, metrics=DealMetrics())  # type: ignore[arg-type]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[DealWorld]:
    """deal-service's deal commands on fakes, the default configuration."""
    made = DealWorld(load_config())
    monkeypatch.setattr(handlers, "repo", made.store)
    monkeypatch.setattr(handlers, "people", made.store)
    monkeypatch.setattr(shared_contact, "repo", made.store)
    monkeypatch.setattr(approval_handlers, "approvals", made.store)
    yield made
