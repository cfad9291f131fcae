"""The search box finds a client by the last digits of their phone («67-89», «345-67-89») or a
run in the middle («912 345»): a trigram GIN index (pg_trgm, 0012) on the E.164 phone answers
`phone_norm LIKE '%6789%'` (deal_service.adapters.search). Measured at a million contacts:
without it a parallel sequential scan, 98–123 ms a query; with it 0.3–4 ms for 7 digits,
1–10 ms for the last 4, 13–48 ms for digits in a thousand phones and more. A b-tree on
reverse(phone_norm) would serve the last digits only, not a run in the middle.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

S = "deal"


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX contacts_phone_trgm ON {S}.contacts "
        "USING gin (phone_norm public.gin_trgm_ops)"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.contacts_phone_trgm")
