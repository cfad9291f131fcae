"""Contacts, deals, stage history, contact attempts, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op

from crm_shared.machinery.inbox import inbox_ddl
from crm_shared.machinery.outbox import outbox_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "deal"


def upgrade() -> None:
    op.execute(f"""CREATE TABLE {S}.contacts (
        id TEXT PRIMARY KEY,
        name TEXT, phone TEXT, phone_norm TEXT, email TEXT, email_norm TEXT,
        pays_by TEXT, segment TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""")
    op.execute(
        f"CREATE INDEX contacts_phone ON {S}.contacts (phone_norm) WHERE phone_norm IS NOT NULL"
    )
    op.execute(
        f"CREATE INDEX contacts_email ON {S}.contacts (email_norm) WHERE email_norm IS NOT NULL"
    )
    op.execute(f"""CREATE TABLE {S}.deals (
        id TEXT PRIMARY KEY,
        version INT NOT NULL,
        stage TEXT NOT NULL,
        title TEXT,
        amount NUMERIC(18, 2),
        currency TEXT NOT NULL DEFAULT 'RUB',
        contact_id TEXT REFERENCES {S}.contacts (id),
        company TEXT,
        responsible_id TEXT,
        rop_id TEXT,
        subject TEXT,
        requirements TEXT,
        delivery_method TEXT,
        failure_comment TEXT,
        contact_attempts INT NOT NULL DEFAULT 0,
        source TEXT,
        external_id TEXT,
        lead_comment TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        UNIQUE (source, external_id)
    )""")
    op.execute(f"CREATE INDEX deals_created ON {S}.deals (created_at DESC, id DESC)")
    op.execute(f"CREATE INDEX deals_stage ON {S}.deals (stage)")
    op.execute(f"CREATE INDEX deals_responsible ON {S}.deals (responsible_id)")
    op.execute(f"CREATE INDEX deals_contact ON {S}.deals (contact_id)")
    op.execute(f"""CREATE TABLE {S}.stage_history (
        id BIGSERIAL PRIMARY KEY,
        deal_id TEXT NOT NULL REFERENCES {S}.deals (id),
        from_stage TEXT,
        to_stage TEXT NOT NULL,
        version INT NOT NULL,
        actor_id TEXT,
        at TIMESTAMPTZ NOT NULL
    )""")
    op.execute(f"CREATE INDEX stage_history_deal ON {S}.stage_history (deal_id, at)")
    op.execute(f"""CREATE TABLE {S}.contact_attempts (
        id BIGSERIAL PRIMARY KEY,
        deal_id TEXT NOT NULL REFERENCES {S}.deals (id),
        actor_id TEXT NOT NULL,
        note TEXT,
        at TIMESTAMPTZ NOT NULL
    )""")
    op.execute(f"CREATE SEQUENCE {S}.lead_assignment_seq")
    for ddl in outbox_ddl(S) + inbox_ddl(S):
        op.execute(ddl)


def downgrade() -> None:
    for table in ("inbox", "outbox", "contact_attempts", "stage_history", "deals", "contacts"):
        op.execute(f"DROP TABLE IF EXISTS {S}.{table}")
    op.execute(f"DROP SEQUENCE IF EXISTS {S}.lead_assignment_seq")
