"""The deal's field list is said once, by the contract's `DealFields`: deal-service's domain
and table and the gateway's forms read it; what must declare each field with its type (the
`Deal` dataclass, the table) is checked against it here."""

from __future__ import annotations

from dataclasses import fields

from crm_shared.contracts.deal import (
    CONTACT_FIELD_NAMES,
    DEAL_FIELD_NAMES,
    ContactInput,
    CreateDeal,
    DealFields,
)
from deal_service.adapters import contacts, repository, tables
from deal_service.domain.changes import DEAL_FIELDS
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from gateway.entrypoints.web.common import CONTACT_KEYS, DEAL_KEYS


def test_the_contract_names_the_fields() -> None:
    assert tuple(n for n in DealFields.model_fields if n != "contact") == DEAL_FIELD_NAMES
    assert "failure_comment" in DEAL_FIELD_NAMES and "contact" not in DEAL_FIELD_NAMES
    assert tuple(ContactInput.model_fields) == CONTACT_FIELD_NAMES
    # a new deal takes every field but the failure's comment (a deal is not failed at birth)
    assert set(DEAL_FIELD_NAMES) - set(CreateDeal.model_fields) == {"failure_comment"}


def test_deal_service_reads_them() -> None:
    assert DEAL_FIELDS is DEAL_FIELD_NAMES
    assert set(DEAL_FIELD_NAMES) <= set(repository.DEAL_COLUMNS)
    assert set(DEAL_FIELD_NAMES) <= {f.name for f in fields(Deal)}
    assert set(DEAL_FIELD_NAMES) <= set(tables.Deal.model_fields)
    assert contacts._FIELDS is CONTACT_FIELD_NAMES
    assert set(CONTACT_FIELD_NAMES) <= {f.name for f in fields(Contact)}
    assert set(CONTACT_FIELD_NAMES) <= set(tables.Contact.model_fields)
    assert all(f"c.{n} AS c_{n}" in repository.SELECT_DEALS for n in CONTACT_FIELD_NAMES)


def test_the_gateway_forms_read_them() -> None:
    assert DEAL_KEYS is DEAL_FIELD_NAMES
    assert CONTACT_KEYS is CONTACT_FIELD_NAMES
