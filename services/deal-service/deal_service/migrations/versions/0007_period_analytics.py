"""Analytics v2: the period view (what happened in a period) and open stays in a stage.

- On each move (a stage-history row with a `from_stage`), the deal's amount, currency,
  responsible and lead source as they were when it moved, filled by a BEFORE INSERT trigger
  (one look-up of the deal by its key, on moves only: a new lead costs nothing more); and
  `stage_history_entered` (to_stage, at) over moves that entered a stage for the first time,
  with those columns included: the deals won or lost in a period, by the time they were won
  or lost, per manager and source, counted and summed from the index alone, with no join of
  a period's outcomes to the deals. (A lead batch writes only creations, whose deals the
  trigger could not see in the same statement; moves find their deal committed.)
- `stage_history_left_at` (from_stage, at) with the stored seconds: the stays that ended in
  a period, without the heap.
- `open_stays`: each deal's current stay (its stage, since when), kept by an AFTER INSERT
  trigger on the stage history, so "how long have the deals now in a stage been there" is an
  index-only read instead of finding each deal's latest history row. A row per deal, final
  stages included (the trigger does not know which stages are final; the report filters).
  The trigger touches only this table: the lead batch writes deals and their history in one
  statement, and a trigger updating `deals` there would update rows of its own statement.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "deal"

_DEAL_FACTS = f"""
CREATE FUNCTION {S}.stage_history_deal_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.from_stage IS NOT NULL THEN
        SELECT d.amount, d.currency, d.responsible_id, d.source
        INTO NEW.amount, NEW.currency, NEW.responsible_id, NEW.source
        FROM {S}.deals d WHERE d.id = NEW.deal_id;
    END IF;
    RETURN NEW;
END
$$"""

_FUNCTION = f"""
CREATE FUNCTION {S}.stage_history_open_stay() RETURNS trigger LANGUAGE plpgsql AS $$
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
    op.execute(f"""ALTER TABLE {S}.stage_history
        ADD COLUMN amount NUMERIC(18, 2), ADD COLUMN currency TEXT,
        ADD COLUMN responsible_id TEXT, ADD COLUMN source TEXT""")
    op.execute(f"""UPDATE {S}.stage_history h
        SET amount = d.amount, currency = d.currency, responsible_id = d.responsible_id,
            source = d.source
        FROM {S}.deals d WHERE d.id = h.deal_id AND h.from_stage IS NOT NULL""")
    op.execute(_DEAL_FACTS)
    op.execute(f"""CREATE TRIGGER stage_history_deal_facts BEFORE INSERT ON {S}.stage_history
        FOR EACH ROW EXECUTE FUNCTION {S}.stage_history_deal_facts()""")
    op.execute(
        f"""CREATE INDEX stage_history_entered ON {S}.stage_history (to_stage, at)
            INCLUDE (currency, responsible_id, source, amount)
            WHERE from_stage IS NOT NULL AND first_entry"""
    )
    op.execute(
        f"""CREATE INDEX stage_history_left_at ON {S}.stage_history (from_stage, at)
            INCLUDE (from_stage_seconds) WHERE from_stage_seconds IS NOT NULL"""
    )
    op.execute(f"""CREATE TABLE {S}.open_stays (
        deal_id TEXT PRIMARY KEY,
        stage TEXT NOT NULL,
        entered_at TIMESTAMPTZ NOT NULL,
        deal_created_at TIMESTAMPTZ
    )""")
    # Per stage, what both views filter on: when the stay began (period view) and when the
    # deal was created (cohort view); an index-only read either way.
    op.execute(
        f"""CREATE INDEX open_stays_stage ON {S}.open_stays (stage, entered_at)
            INCLUDE (deal_created_at)"""
    )
    op.execute(f"""INSERT INTO {S}.open_stays (deal_id, stage, entered_at, deal_created_at)
        SELECT DISTINCT ON (deal_id) deal_id, to_stage, at, deal_created_at
        FROM {S}.stage_history ORDER BY deal_id, at DESC, id DESC""")
    op.execute(_FUNCTION)
    op.execute(f"""CREATE TRIGGER stage_history_open_stay AFTER INSERT ON {S}.stage_history
        FOR EACH ROW EXECUTE FUNCTION {S}.stage_history_open_stay()""")


def downgrade() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS stage_history_open_stay ON {S}.stage_history")
    op.execute(f"DROP FUNCTION IF EXISTS {S}.stage_history_open_stay()")
    op.execute(f"DROP TABLE IF EXISTS {S}.open_stays")
    op.execute(f"DROP INDEX IF EXISTS {S}.stage_history_left_at")
    op.execute(f"DROP INDEX IF EXISTS {S}.stage_history_entered")
    op.execute(f"DROP TRIGGER IF EXISTS stage_history_deal_facts ON {S}.stage_history")
    op.execute(f"DROP FUNCTION IF EXISTS {S}.stage_history_deal_facts()")
    op.execute(f"""ALTER TABLE {S}.stage_history DROP COLUMN amount, DROP COLUMN currency,
        DROP COLUMN responsible_id, DROP COLUMN source""")
