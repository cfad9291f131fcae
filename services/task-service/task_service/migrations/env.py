"""Alembic environment of task-service: its schema and `adapters/tables.py`'s tables."""

from crm_shared.machinery.migration_env import run
from task_service.adapters.tables import METADATA
from task_service.settings import SCHEMA

run(SCHEMA, METADATA)
