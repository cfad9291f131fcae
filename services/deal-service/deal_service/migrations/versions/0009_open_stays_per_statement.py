"""`open_stays` kept by one statement per INSERT into the stage history, not one per row.

The row trigger of 0007 ran a plpgsql INSERT ... ON CONFLICT for every history row, which
for a batch of new leads was one executor start per lead (measured: 35-50 µs a row, the
largest part of what a new lead's history row costs). A statement trigger sees the whole
batch as a transition table and upserts it in one statement. A statement could hold two
rows of one deal; the latest of them is the deal's current stay (DISTINCT ON), as the row
trigger's `entered_at <=` guard made it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "deal"

_PER_STATEMENT = f"""
CREATE OR REPLACE FUNCTION {S}.stage_history_open_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {S}.open_stays AS o (deal_id, stage, entered_at, deal_created_at)
    SELECT DISTINCT ON (deal_id) deal_id, to_stage, at, deal_created_at
    FROM added ORDER BY deal_id, at DESC, id DESC
    ON CONFLICT (deal_id) DO UPDATE
      SET stage = EXCLUDED.stage, entered_at = EXCLUDED.entered_at,
          deal_created_at = coalesce(EXCLUDED.deal_created_at, o.deal_created_at)
      WHERE o.entered_at <= EXCLUDED.entered_at;
    RETURN NULL;
END
$$"""

_PER_ROW = f"""
CREATE OR REPLACE FUNCTION {S}.stage_history_open_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {S}.open_stays AS o (deal_id, stage, entered_at, deal_created_at)
    VALUES (NEW.deal_id, NEW.to_stage, NEW.at, NEW.deal_created_at)
    ON CONFLICT (deal_id) DO UPDATE
      SET stage = EXCLUDED.stage, entered_at = EXCLUDED.entered_at,
          deal_created_at = coalesce(EXCLUDED.deal_created_at, o.deal_created_at)
      WHERE o.entered_at <= EXCLUDED.entered_at;
    RETURN NULL;
END
$$"""


def upgrade() -> None:
    op.execute(f"DROP TRIGGER stage_history_open_stay ON {S}.stage_history")
    op.execute(f"DROP FUNCTION {S}.stage_history_open_stay()")
    op.execute(_PER_STATEMENT)
    op.execute(f"""CREATE TRIGGER stage_history_open_stays AFTER INSERT ON {S}.stage_history
        REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION {S}.stage_history_open_stays()""")


def downgrade() -> None:
    op.execute(f"DROP TRIGGER stage_history_open_stays ON {S}.stage_history")
    op.execute(f"DROP FUNCTION {S}.stage_history_open_stays()")
    op.execute(_PER_ROW)
    op.execute(f"""CREATE TRIGGER stage_history_open_stay AFTER INSERT ON {S}.stage_history
        FOR EACH ROW EXECUTE FUNCTION {S}.stage_history_open_stay()""")
