"""The services of the system, listed once: what the dev stack, the tests and the benchmarks
start, migrate and scrape.

Only names, as text: nothing here imports a service (`tests/static/test_services_list.py` checks
that each service's own settings module says the same name, schema and metrics port).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceInfo:
    """One service: its display name, the package run with `python -m`, its database schema
    and its default metrics port."""

    name: str
    package: str
    schema: str
    metrics_port: int


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo("deal-service", "deal_service", "deal", 9101),
    ServiceInfo("task-service", "task_service", "task", 9102),
    ServiceInfo("notifier", "notifier", "notifier", 9103),
    ServiceInfo("gateway", "gateway", "gateway", 9104),
)
BY_NAME: dict[str, ServiceInfo] = {s.name: s for s in SERVICES}
