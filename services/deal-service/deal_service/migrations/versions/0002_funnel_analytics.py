"""Funnel analytics: facts on each stage-history row, kept by a trigger, and their indexes.

The funnel report (`FunnelQuery`) must answer for a million deals in under a
second. Read straight from the stage history it needs a join of every row with its deal (for
the deal's creation time) and a window over each deal's rows (for the time spent in a stage):
seconds, not milliseconds. So each row carries, from the moment it is written:

- `deal_created_at`: when its deal was created, the period the report filters on;
- `from_entered_at`: when the deal entered `from_stage` (the deal's previous row), and
  `from_stage_seconds` = `at - from_entered_at`, the time it spent there, stored as a float
  because turning a million intervals into seconds at query time costs more than the sort;
- `first_entry`: false when the deal had been in `to_stage` before, so "deals that reached
  a stage" is a count of rows, not a count of distinct deals.

A BEFORE INSERT trigger fills them, so every writer (the lead batch, a move, a benchmark
inserting rows with SQL) gets them without knowing; a deal's rows are written in order under
its row lock, which is what makes "the latest row" the previous stage. Rows written before
this migration are filled once, set-based, below.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "deal"

_TRIGGER_FUNCTION = f"""
CREATE FUNCTION {S}.stage_history_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev_at TIMESTAMPTZ;
    prev_created TIMESTAMPTZ;
BEGIN
    IF NEW.from_stage IS NULL THEN
        -- The deal's entry into the pipeline (a creation): nothing came before it.
        SELECT d.created_at INTO NEW.deal_created_at FROM {S}.deals d WHERE d.id = NEW.deal_id;
        NEW.from_entered_at := NULL;
        NEW.from_stage_seconds := NULL;
        NEW.first_entry := true;
        RETURN NEW;
    END IF;
    SELECT h.at, h.deal_created_at INTO prev_at, prev_created
    FROM {S}.stage_history h
    WHERE h.deal_id = NEW.deal_id
    ORDER BY h.at DESC, h.id DESC
    LIMIT 1;
    NEW.from_entered_at := prev_at;
    NEW.from_stage_seconds := date_part('epoch', NEW.at - prev_at);
    NEW.deal_created_at := coalesce(
        prev_created,
        (SELECT d.created_at FROM {S}.deals d WHERE d.id = NEW.deal_id)
    );
    NEW.first_entry := NOT EXISTS (
        SELECT 1 FROM {S}.stage_history h
        WHERE h.deal_id = NEW.deal_id AND h.to_stage = NEW.to_stage
    );
    RETURN NEW;
END
$$"""


def upgrade() -> None:
    op.execute(f"""ALTER TABLE {S}.stage_history
        ADD COLUMN deal_created_at TIMESTAMPTZ,
        ADD COLUMN from_entered_at TIMESTAMPTZ,
        ADD COLUMN from_stage_seconds DOUBLE PRECISION,
        ADD COLUMN first_entry BOOLEAN NOT NULL DEFAULT true""")
    op.execute(f"""UPDATE {S}.stage_history h
        SET deal_created_at = d.created_at, from_entered_at = w.prev_at,
            from_stage_seconds = date_part('epoch', h.at - w.prev_at),
            first_entry = (w.nth = 1)
        FROM {S}.deals d,
             (SELECT id,
                     lag(at) OVER (PARTITION BY deal_id ORDER BY at, id) AS prev_at,
                     row_number() OVER (PARTITION BY deal_id, to_stage ORDER BY at, id) AS nth
              FROM {S}.stage_history) w
        WHERE d.id = h.deal_id AND w.id = h.id""")
    op.execute(_TRIGGER_FUNCTION)
    op.execute(f"""CREATE TRIGGER stage_history_facts BEFORE INSERT ON {S}.stage_history
        FOR EACH ROW EXECUTE FUNCTION {S}.stage_history_facts()""")
    # Deals that reached a stage, by creation time: an index-only count per stage.
    op.execute(
        f"""CREATE INDEX stage_history_reached ON {S}.stage_history (to_stage, deal_created_at)
            WHERE first_entry"""
    )
    # Time in a stage, by the stage left: the rows a percentile needs, without the heap.
    # Creations (no stage left) are not in it, so a new lead costs this index nothing.
    op.execute(
        f"""CREATE INDEX stage_history_left ON {S}.stage_history (from_stage, deal_created_at)
            INCLUDE (from_stage_seconds) WHERE from_stage_seconds IS NOT NULL"""
    )
    # Failure comments of lost deals: few rows, read per failure stage in creation order.
    op.execute(
        f"""CREATE INDEX deals_failure_comment ON {S}.deals (stage, created_at)
            WHERE failure_comment IS NOT NULL"""
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {S}.deals_failure_comment")
    op.execute(f"DROP TRIGGER IF EXISTS stage_history_facts ON {S}.stage_history")
    op.execute(f"DROP FUNCTION IF EXISTS {S}.stage_history_facts()")
    op.execute(f"""ALTER TABLE {S}.stage_history
        DROP COLUMN IF EXISTS first_entry,
        DROP COLUMN IF EXISTS from_stage_seconds,
        DROP COLUMN IF EXISTS from_entered_at,
        DROP COLUMN IF EXISTS deal_created_at""")
