"""An index on every task's deadline, for overdue counts over a period.

`tasks_open_deadline` covers open tasks only (the notifier's watcher, the overdue filter);
`OverdueTasksQuery` also counts closed tasks that were closed late.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "task"


def upgrade() -> None:
    op.execute(
        f"""CREATE INDEX tasks_deadline ON {S}.tasks (deadline)
            INCLUDE (responsible_id, closed_at, status) WHERE deadline IS NOT NULL"""
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {S}.tasks_deadline")
