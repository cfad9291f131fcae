"""Alembic environment of the notifier: its schema and `adapters/tables.py`'s tables."""

from crm_shared.machinery.migration_env import run
from notifier.adapters.tables import METADATA
from notifier.settings import SCHEMA

run(SCHEMA, METADATA)
