"""Requests awaiting the РОП's agreement (rule 6) kept with their deal.

A move refused with `rop_approval_required` records the stage asked for, who asked and when
(`approval_requests`, one row per deal); the deal's next move removes it. The РОП's page
lists these instead of the unread `approval_requested` notifications of its inbox, which
vanished when marked read or pushed out by newer ones, and were not seen by another РОП.

Requests made before this revision were kept nowhere but in those notifications, so none is
recreated: a manager's next try at the move asks again (the РОП's inbox still has the old
ones).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "deal"


def upgrade() -> None:
    op.execute(f"""CREATE TABLE {S}.approval_requests (
        deal_id TEXT PRIMARY KEY REFERENCES {S}.deals (id),
        to_stage TEXT NOT NULL,
        asked_by TEXT NOT NULL,
        asked_at TIMESTAMPTZ NOT NULL
    )""")
    op.execute(f"CREATE INDEX approval_requests_asked ON {S}.approval_requests (asked_at)")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.approval_requests")
