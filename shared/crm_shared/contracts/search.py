"""Queries that find a client: by phone, e-mail, name, deal title or company, and the
contact's page (issue 22). Apart from `commands`, which is long enough."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from crm_shared.contracts.commands import Query
from crm_shared.contracts.dto import Contact, Deal
from crm_shared.contracts.replies import Answer, Asks
from crm_shared.contracts.text import Id, Name, Plain


class SearchReply(Answer):
    """What `q` was read as (phone, email, words), the deals with their stage, and the
    contacts, each with how many of its deals the actor may see."""

    read_as: Plain
    deals: list[Deal]
    contacts: list[dict[str, Any]]


class ContactReply(Answer):
    """A contact and its deals the actor may see, newest first."""

    contact: Contact
    deals: list[Deal]


class SearchDeals(Query, Asks[SearchReply]):
    """crm.query.deal.search: deals and contacts matching `q`, in the actor's scope.

    `q` is read as a phone when it is one in any form a caller id shows (`8 912 …`,
    `+7 (912) …`, `912…`: compared in E.164), as an e-mail when it has `@` (compared
    lower-cased), else as words compared by trigram similarity with contacts' names, deals'
    titles and companies. Each deal with its stage; each contact with the number of its deals
    the actor may see (a contact none of whose deals they may see is not shown).
    """

    SUBJECT: ClassVar[str] = "crm.query.deal.search"
    q: Name = Field(min_length=1)
    limit: int = Field(20, ge=1, le=100)


class GetContact(Query, Asks[ContactReply]):
    """crm.query.deal.contact: a contact's fields and their deals the actor may see, newest
    first; `forbidden` when the actor may see none of them (a manager with `access: own`)."""

    SUBJECT: ClassVar[str] = "crm.query.deal.contact"
    contact_id: Id
    limit: int = Field(100, ge=1, le=500)
