"""Rule 8 as decisions: which lead may open a deal, who becomes responsible, what it is called.

Both ways a deal is born (a lead from the bus, a `create` command) take these decisions
here; the batched lead path only gathers what the database knows, in its two statements.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from crm_shared.config import CrmConfig
from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.phones import NO_CONTACT
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.contracts.text import filled
from crm_shared.locale import source_name
from deal_service.domain.contacts import contact_keys
from deal_service.domain.rules import check_user

MAX_EVENT_ID_BYTES = 200
"""A longer event id is remembered in the inbox by its digest (see `inbox_key`)."""


@dataclass(frozen=True)
class CheckedLead:
    """A lead that passed every check that needs no database, with its contact's keys."""

    lead: LeadReceived
    phone: str | None
    email: str | None

    @property
    def key(self) -> tuple[str, str]:
        """The lead's identity: the same pair twice makes one deal."""
        return self.lead.source, self.lead.external_id


def check_lead(lead: LeadReceived, config: CrmConfig) -> CheckedLead:
    """Everything that can refuse a lead, before anything is written."""
    # The key's parts are capped in UTF-8 bytes by the schema (`LeadReceived`: source 100,
    # external_id 200), so the pair always fits the unique index that de-duplicates leads.
    check_user(config, lead.responsible_id, "responsible_id")
    given = lead.contact  # as the gateway checks it (phones.contact_problem): spaces are nothing
    if not (filled(given.name) or filled(given.phone) or filled(given.email)):
        raise Refused(ErrorCode.invalid, NO_CONTACT)
    phone, email = contact_keys(lead.contact)
    return CheckedLead(lead, phone, email)


def needs_turn(config: CrmConfig, responsible_id: str | None) -> bool:
    """Whether a new deal with this responsible (None: none given) takes a round-robin turn."""
    rule = config.lead_assignment
    return responsible_id is None and rule.mode != "fixed" and bool(config.managers)


def responsible_for(config: CrmConfig, given: str | None, turn: int | None) -> str | None:
    """Who is responsible: the one given, a fixed user, or the manager whose `turn` it is.

    `turn` is a number of the shared round-robin counter, drawn when `needs_turn` said so.
    """
    if given is not None:
        return given
    rule = config.lead_assignment
    if rule.mode == "fixed":
        return rule.user_id
    managers = config.managers
    if not managers or turn is None:
        return None
    return managers[(turn - 1) % len(managers)].id


def manual_responsible(config: CrmConfig, given: str | None, actor_id: str) -> str | None:
    """A deal made by hand is the maker's when a manager makes it and names nobody else."""
    if given is not None:
        return given
    actor = config.user_or_none(actor_id)
    return actor_id if actor is not None and actor.role == "manager" else None


def lead_title(lead: LeadReceived) -> str:
    """The lead's own title, or «Лид (сайт): <who>»: the source as people say it (a title is
    read by people; an operator's own source is shown as configured)."""
    if lead.title and lead.title.strip():
        return lead.title
    given = lead.contact
    who = next((v.strip() for v in (given.name, given.phone, given.email) if v and filled(v)), "")
    return f"Лид ({source_name(lead.source)}): {who}".strip()


def inbox_key(event_id: str) -> str:
    """The key under which the inbox remembers an event: its id, or the id's digest when the
    id is too long for the inbox's index (a source system's Nats-Msg-Id can be anything)."""
    raw = event_id.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_EVENT_ID_BYTES:
        return event_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()
