"""Who completed a task (`closed_by`): the person whose CompleteTask command closed it, shown
in the deal's story and carried by TaskClosed. NULL when the system closed the task (the deal
moved on or closed, the РОП was set), and for the tasks completed before this revision: who
did that was not kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE task.tasks ADD COLUMN closed_by TEXT")


def downgrade() -> None:
    op.execute("ALTER TABLE task.tasks DROP COLUMN closed_by")
