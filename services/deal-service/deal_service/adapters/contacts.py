"""Contacts in PostgreSQL (schema `deal`): found by phone or e-mail, read, held, written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy import bindparam
from sqlmodel import select

from crm_shared.contracts.deal import CONTACT_FIELD_NAMES
from crm_shared.machinery.outbox import UnitOfWork
from crm_shared.machinery.tables import Query
from deal_service.adapters import tables
from deal_service.domain.contacts import Contact
from deal_service.settings import SCHEMA


async def find_contact(
    conn: asyncpg.Connection,
    phone_norm: str | None,
    email_norm: str | None,
    visible_to: str | None = None,
) -> Contact | None:
    """The oldest contact with this phone or e-mail; with `visible_to`, the oldest of those
    on a deal of that user (a manager with `access: own` is never given another manager's
    client: docs/decisions.md)."""
    if phone_norm is None and email_norm is None:
        return None
    row = await conn.fetchrow(
        f"""SELECT * FROM {SCHEMA}.contacts c
            WHERE (($1::text IS NOT NULL AND c.phone_norm = $1)
                   OR ($2::text IS NOT NULL AND c.email_norm = $2))
              AND ($3::text IS NULL OR EXISTS (
                    SELECT 1 FROM {SCHEMA}.deals d
                    WHERE d.contact_id = c.id AND d.responsible_id = $3))
            ORDER BY c.created_at, c.id LIMIT 1""",
        phone_norm,
        email_norm,
        visible_to,
    )
    return contact_from_row(row) if row else None


async def on_deal_of(conn: asyncpg.Connection, contact_id: str, user_id: str) -> bool:
    """Whether the contact is on a deal `user_id` is responsible for."""
    found = await conn.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM {SCHEMA}.deals WHERE contact_id = $1 "
        "AND responsible_id = $2)",
        contact_id,
        user_id,
    )
    return bool(found)


_GET_CONTACT = Query.of(select(tables.Contact).where(tables.Contact.id == bindparam("contact_id")))


async def get_contact(conn: asyncpg.Connection, contact_id: str) -> Contact | None:
    """A contact by id (a typed read: the table class, compiled once for asyncpg)."""
    record = await conn.fetchrow(_GET_CONTACT.sql, *_GET_CONTACT.args(contact_id=contact_id))
    if record is None:
        return None
    return contact_from_row(tables.Contact.model_validate(dict(record)).model_dump())


async def lock_contact(
    conn: asyncpg.Connection, contact_id: str, *, share: bool = False
) -> Contact:
    """A contact as it is now, its row held until the transaction ends: FOR UPDATE by an
    update that changes it, FOR SHARE by a move that needs its fields (rule 4), so that the
    two never decide on a contact the other is changing."""
    mode = "SHARE" if share else "UPDATE"
    row = await conn.fetchrow(
        f"SELECT * FROM {SCHEMA}.contacts WHERE id = $1 FOR {mode}", contact_id
    )
    return contact_from_row(row)


async def contact_stages(
    conn: asyncpg.Connection, contact_id: str, except_deal: str
) -> list[tuple[str, str]]:
    """(a deal id, its stage) for every stage the contact's other deals stand in: one deal
    per stage is enough to name, and the list stays as short as the funnel."""
    rows = await conn.fetch(
        f"""SELECT stage, min(id) AS id FROM {SCHEMA}.deals
            WHERE contact_id = $1 AND id <> $2 GROUP BY stage ORDER BY stage""",
        contact_id,
        except_deal,
    )
    return [(r["id"], r["stage"]) for r in rows]


_FIELDS = CONTACT_FIELD_NAMES
"""The contact's columns besides its id and the normal forms: the contract's `ContactInput`."""


def contact_from_row(row: Mapping[str, Any], *, id_column: str = "id", prefix: str = "") -> Contact:
    """A contact from a row of `contacts`, or from a join whose contact columns are named
    `prefix` + column (and its id `id_column`)."""
    return Contact(id=row[id_column], **{name: row[prefix + name] for name in _FIELDS})


def save_contact(
    uow: UnitOfWork, c: Contact, phone_norm: str | None, email_norm: str | None
) -> None:
    """Insert or update a contact, at commit."""
    uow.defer(
        f"""INSERT INTO {SCHEMA}.contacts
              (id, name, phone, phone_norm, email, email_norm, pays_by, segment)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (id) DO UPDATE SET name = $2, phone = $3, phone_norm = $4, email = $5,
              email_norm = $6, pays_by = $7, segment = $8""",
        c.id,
        c.name,
        c.phone,
        phone_norm,
        c.email,
        email_norm,
        c.pays_by,
        c.segment,
    )
