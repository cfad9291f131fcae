"""The one list of services (crm_shared.devstack.services) says what each service says of itself."""

from __future__ import annotations

import importlib

from crm_shared.devstack.services import SERVICES


def test_each_service_settings_agree_with_the_list() -> None:
    for service in SERVICES:
        settings = importlib.import_module(f"{service.package}.settings")
        assert service.name == settings.NAME
        assert service.schema == settings.SCHEMA
        assert service.metrics_port == settings.DEFAULT_METRICS_PORT


def test_backup_knows_every_service_schema() -> None:
    from crm_cli.backup.database import PACKAGES

    assert {service.schema: service.package for service in SERVICES} == PACKAGES
