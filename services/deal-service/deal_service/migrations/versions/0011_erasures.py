"""The log of erased contacts (152-ФЗ, GDPR: `EraseContact`).

One row per erasure: whose, by whom, when and which deals; nothing personal.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

S = "deal"


def upgrade() -> None:
    op.execute(f"""CREATE TABLE {S}.erasures (
        id BIGSERIAL PRIMARY KEY,
        contact_id TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        deal_ids TEXT[] NOT NULL
    )""")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.erasures")
