"""Words of names, titles and companies for the search box (issue 22), as full-text GIN
indexes ('simple': no stemming, lower-cased): a word's posting list is short, so «Иван
Петров» or «Ромашка-123» is found by intersecting a few hundred entries, where the trigram
indexes of 0010 read every row sharing «ром» or «ива» (measured at a million contacts:
1.5 s). The trigram indexes stay for a misspelt word (similarity).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

S = "deal"
INDEXES = (
    ("contacts_name_words", "contacts", "name"),
    ("deals_title_words", "deals", "title"),
    ("deals_company_words", "deals", "company"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.execute(
            f"CREATE INDEX {name} ON {S}.{table} "
            f"USING gin (to_tsvector('simple'::regconfig, coalesce({column}, '')))"
        )


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX {S}.{name}")
