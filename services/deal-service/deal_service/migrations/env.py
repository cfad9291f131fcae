"""Alembic environment of deal-service: its tables live in schema `deal`."""

from crm_shared.machinery.migration_env import run

run("deal")
