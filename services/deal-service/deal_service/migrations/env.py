"""Alembic environment of deal-service: its schema and `adapters/tables.py`'s tables."""

from crm_shared.machinery.migration_env import run
from deal_service.adapters.tables import METADATA
from deal_service.settings import SCHEMA

run(SCHEMA, METADATA)
