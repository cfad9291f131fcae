"""Contact attempts count per stage (SPEC §3 rule 6): the deal row lists those of its stage.

`deals.stage_attempts` holds the latest attempts logged since the deal entered its current
stage (the payload shows them; a move empties it), and `contact_attempts.stage` records on
which stage each attempt was made. Existing deals keep only the attempts made since their
last stage entry, and their count follows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "deal"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.deals ADD COLUMN stage_attempts JSONB NOT NULL DEFAULT '[]'")
    op.execute(f"ALTER TABLE {S}.contact_attempts ADD COLUMN stage TEXT")
    op.execute(f"""
        WITH entered AS (
            SELECT deal_id, max(at) AS at FROM {S}.stage_history GROUP BY deal_id
        ), current AS (
            SELECT a.deal_id, count(*) AS n,
                   jsonb_agg(jsonb_build_object('actor_id', a.actor_id, 'note', a.note,
                                                'at', a.at) ORDER BY a.at, a.id) AS list
            FROM {S}.contact_attempts a JOIN entered e ON e.deal_id = a.deal_id
            WHERE a.at >= e.at
            GROUP BY a.deal_id
        )
        UPDATE {S}.deals d
        SET contact_attempts = coalesce(c.n, 0), stage_attempts = coalesce(c.list, '[]')
        FROM (SELECT id FROM {S}.deals WHERE contact_attempts > 0) x
        LEFT JOIN current c ON c.deal_id = x.id
        WHERE d.id = x.id""")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.contact_attempts DROP COLUMN stage")
    op.execute(f"ALTER TABLE {S}.deals DROP COLUMN stage_attempts")
