"""A person's own tasks (issue 22): `kind` tells a stage task, the free plan's РОП task and
a task someone set by hand apart; `rop_id` is the deal's РОП, who hears of an own task's
lapse; `reschedules` keeps every moved deadline with its reason.

Before this revision a task without a stage was the РОП task, so `kind` is derived from it;
the one-open-РОП-task index now reads `kind`, so own tasks (which have no stage either) do
not count against it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE task.tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'stage',"
        " ADD COLUMN rop_id TEXT, ADD COLUMN reschedules JSONB NOT NULL DEFAULT '[]',"
        " ADD CONSTRAINT tasks_kind_check CHECK (kind IN ('stage', 'rop', 'own'))"
    )
    op.execute("UPDATE task.tasks SET kind = 'rop' WHERE stage IS NULL")
    op.execute("UPDATE task.tasks SET rop_id = creator_id WHERE stage IS NOT NULL")
    op.execute("DROP INDEX task.tasks_one_open_rop_task")
    op.execute(
        "CREATE UNIQUE INDEX tasks_one_open_rop_task ON task.tasks (deal_id)"
        " WHERE status = 'open' AND kind = 'rop'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM task.tasks WHERE kind = 'own'")
    op.execute("DROP INDEX task.tasks_one_open_rop_task")
    op.execute(
        "CREATE UNIQUE INDEX tasks_one_open_rop_task ON task.tasks (deal_id)"
        " WHERE status = 'open' AND stage IS NULL"
    )
    op.execute(
        "ALTER TABLE task.tasks DROP COLUMN kind, DROP COLUMN rop_id, DROP COLUMN reschedules"
    )
