"""Alembic environment of the gateway: its tables live in schema `gateway`."""

from crm_shared.machinery.migration_env import run

run("gateway")
