"""Finding a client (issue 22): pg_trgm and GIN trigram indexes on the words people search by.

Contacts' names, deals' titles and companies are compared with the search box's words by
pg_trgm's word similarity (`<%`), which these indexes answer without reading the tables;
phones and e-mails are found by the b-tree indexes of their normalised forms (0001).

`pg_trgm` is a trusted extension (PostgreSQL 13+): the database's owner may create it. It
goes to `public`, where the operators resolve on the default search path; a downgrade leaves
it (something else may use it) and drops the indexes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

S = "deal"
INDEXES = (
    ("contacts_name_trgm", "contacts", "name"),
    ("deals_title_trgm", "deals", "title"),
    ("deals_company_trgm", "deals", "company"),
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX {name} ON {S}.{table} USING gin ({column} public.gin_trgm_ops)")


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX {S}.{name}")
