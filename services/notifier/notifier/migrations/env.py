"""Alembic environment of the notifier: its tables live in schema `notifier`."""

from crm_shared.machinery.migration_env import run

run("notifier")
