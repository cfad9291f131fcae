"""Alembic environment of task-service: its tables live in schema `task`."""

from crm_shared.machinery.migration_env import run

run("task")
