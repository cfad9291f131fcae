"""The stage-history trigger keeps a deal's creation time when the writer already gives it.

The lead batch writes contacts, deals and their first stage-history rows in one statement
(see `UnitOfWork.defer`), and a trigger in that statement does not see the deals inserted
beside it. So the entry row carries `deal_created_at` itself and the trigger looks the deal
up only when it is missing (every other writer, as before).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "deal"

_LOOKUP = f"SELECT d.created_at INTO NEW.deal_created_at FROM {S}.deals d WHERE d.id = NEW.deal_id;"
_KEEP = f"""IF NEW.deal_created_at IS NULL THEN
            {_LOOKUP}
        END IF;"""


def _function(entry: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {S}.stage_history_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev_at TIMESTAMPTZ;
    prev_created TIMESTAMPTZ;
BEGIN
    IF NEW.from_stage IS NULL THEN
        -- The deal's entry into the pipeline (a creation): nothing came before it.
        {entry}
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
    op.execute(_function(_KEEP))


def downgrade() -> None:
    op.execute(_function(_LOOKUP))
