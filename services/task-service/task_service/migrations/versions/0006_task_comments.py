"""Task comments: a jsonb list on each task, oldest first (`CommentTask`); and the
deal's title and contact's name on each task, so that whoever is told of the task (the
notifier) can name the deal as people know it, from the task alone.

A column, not a table: a task has a few comments, every reader of a task wants them, and the
hot path (opening and closing stage tasks) never writes them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE task.tasks ADD COLUMN comments JSONB NOT NULL DEFAULT '[]'")
    op.execute("ALTER TABLE task.tasks ADD COLUMN deal_title TEXT, ADD COLUMN contact_name TEXT")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE task.tasks DROP COLUMN comments, DROP COLUMN deal_title,"
        " DROP COLUMN contact_name"
    )
