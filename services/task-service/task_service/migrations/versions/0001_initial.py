"""Tasks, the applied state of each deal, outbox and inbox.

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

S = "task"


def upgrade() -> None:
    # The latest deal version applied to the tasks: older events are ignored (SPEC §4).
    op.execute(f"""CREATE TABLE {S}.deal_state (
        deal_id TEXT PRIMARY KEY,
        version INT NOT NULL DEFAULT 0,
        stage TEXT,
        responsible_id TEXT,
        rop_id TEXT,
        closed BOOLEAN NOT NULL DEFAULT false,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""")
    op.execute(f"""CREATE TABLE {S}.tasks (
        seq BIGSERIAL UNIQUE,
        id TEXT PRIMARY KEY,
        deal_id TEXT NOT NULL,
        stage TEXT,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        creator_id TEXT,
        responsible_id TEXT,
        deadline TIMESTAMPTZ,
        opened_at TIMESTAMPTZ NOT NULL,
        deal_version INT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        close_reason TEXT
            CHECK (close_reason IN ('completed', 'stage_left', 'deal_closed', 'rop_set')),
        closed_at TIMESTAMPTZ,
        CHECK ((status = 'open') = (close_reason IS NULL AND closed_at IS NULL))
    )""")
    # SPEC §3 rule 2, kept by the database and not only by code: a deal never has two open
    # stage tasks (nor two open РОП tasks).
    op.execute(
        f"""CREATE UNIQUE INDEX tasks_one_open_stage_task ON {S}.tasks (deal_id)
            WHERE status = 'open' AND stage IS NOT NULL"""
    )
    op.execute(
        f"""CREATE UNIQUE INDEX tasks_one_open_rop_task ON {S}.tasks (deal_id)
            WHERE status = 'open' AND stage IS NULL"""
    )
    op.execute(f"CREATE INDEX tasks_deal ON {S}.tasks (deal_id, seq)")
    op.execute(f"CREATE INDEX tasks_responsible ON {S}.tasks (responsible_id, seq)")
    op.execute(f"CREATE INDEX tasks_open_deadline ON {S}.tasks (deadline) WHERE status = 'open'")
    for ddl in outbox_ddl(S) + inbox_ddl(S):
        op.execute(ddl)


def downgrade() -> None:
    for table in ("inbox", "outbox", "tasks", "deal_state"):
        op.execute(f"DROP TABLE IF EXISTS {S}.{table}")
