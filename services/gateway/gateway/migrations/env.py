"""Alembic environment of the gateway: its schema and `adapters/tables.py`'s tables."""

from crm_shared.machinery.migration_env import run
from gateway.adapters.tables import METADATA
from gateway.settings import SCHEMA

run(SCHEMA, METADATA)
