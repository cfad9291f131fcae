"""The deal's story (issue 22): notes, field changes and approval requests kept per deal.

`journal` holds what no other table does: a note, the fields an update changed (who, from,
to), a move asked of the РОП and a request declined. Stage moves and contact attempts are
read from `stage_history` and `contact_attempts` where they already are (the timeline is a
UNION of the three), so the lead path writes nothing more; `contact_attempts` gets the
deal's index the timeline reads it by.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

S = "deal"


def upgrade() -> None:
    op.execute(f"""CREATE TABLE {S}.journal (
        id BIGSERIAL PRIMARY KEY,
        deal_id TEXT NOT NULL REFERENCES {S}.deals (id),
        at TIMESTAMPTZ NOT NULL,
        kind TEXT NOT NULL,
        actor_id TEXT,
        data JSONB NOT NULL DEFAULT '{{}}'
    )""")
    op.execute(f"CREATE INDEX journal_deal ON {S}.journal (deal_id, at)")
    op.execute(f"CREATE INDEX contact_attempts_deal ON {S}.contact_attempts (deal_id, at)")


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.contact_attempts_deal")
    op.execute(f"DROP TABLE {S}.journal")
