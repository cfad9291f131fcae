"""The search box finds «Пётр» by «Петр» (and «Семён» by «Семен»): most people type е for ё,
so names, titles and companies are indexed with ё read as е (`translate`), and the query is
folded the same way (deal_service.domain.search, deal_service.adapters.search). The trigram
indexes of 0012 and the word indexes of 0014 are made again on the folded text.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

S = "deal"
COLUMNS = (("contacts", "name"), ("deals", "title"), ("deals", "company"))
_FOLDED = "translate({col}, 'Ёё', 'Ее')"


def _indexes(folded: bool) -> list[str]:
    out = []
    for table, column in COLUMNS:
        stem = f"{table}_{column}"
        text, blank = column, f"coalesce({column}, '')"
        if folded:
            text, blank = _FOLDED.format(col=text), _FOLDED.format(col=blank)
        out += [
            f"CREATE INDEX {stem}_trgm ON {S}.{table} USING gin (({text}) public.gin_trgm_ops)",
            f"CREATE INDEX {stem}_words ON {S}.{table} "
            f"USING gin (to_tsvector('simple'::regconfig, {blank}))",
        ]
    return out


def _drop() -> None:
    for table, column in COLUMNS:
        op.execute(f"DROP INDEX {S}.{table}_{column}_trgm")
        op.execute(f"DROP INDEX {S}.{table}_{column}_words")


def upgrade() -> None:
    _drop()
    for ddl in _indexes(folded=True):
        op.execute(ddl)


def downgrade() -> None:
    _drop()
    for ddl in _indexes(folded=False):
        op.execute(ddl)
