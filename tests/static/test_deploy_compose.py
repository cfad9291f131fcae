"""deploy/compose.yaml, checked without Docker: its structure against the other deploy files.

Docker is not needed by the project (nor present in CI), so the file is never run here;
this checks what can be checked statically, and `docker compose config` where Docker exists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from crm_shared.devstack import services as crm_services

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = {s.name: s.package for s in crm_services.SERVICES}


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def test_every_part_of_the_system_is_there() -> None:
    services = compose()["services"]
    assert set(services) == {
        "nats", "postgres", "migrate", *SERVICES, "prometheus", "grafana"
    }  # fmt: skip
    published = {p.split(":")[0] for s in services.values() for p in s.get("ports", [])}
    assert {"4222", "5432", "9090", "3000"} <= published
    for service in services.values():
        for volume in service.get("volumes", []):
            if volume.startswith("./"):
                assert (DEPLOY / volume.split(":")[0]).exists(), volume


def test_services_get_their_own_nats_user_the_database_and_a_metrics_port() -> None:
    services = compose()["services"]
    database = services["migrate"]["environment"]["CRM_DATABASE_URL"]
    assert database.startswith("postgresql://") and "@postgres:5432/" in database
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.docker.yml").read_text())
    ports = {j["job_name"]: j["dns_sd_configs"][0]["port"] for j in scrape["scrape_configs"]}
    accounts = (DEPLOY / "nats" / "accounts.conf").read_text()
    for name, package in SERVICES.items():
        service = services[name]
        env = service["environment"]
        assert service["command"] == ["python", "-m", package, "serve"]
        assert f"-m {package} migrate" in services["migrate"]["command"][-1]
        assert re.fullmatch(
            rf"nats://{name}:\$\{{[A-Z_]+:-[^}}]+\}}@nats:4222", env["CRM_NATS_URL"]
        )
        assert f"user: {name}\n" in accounts
        assert env["CRM_DATABASE_URL"] == database
        assert int(env["CRM_METRICS_PORT"]) == ports[name]
        assert env["CRM_METRICS_HOST"] == "0.0.0.0"  # scraped from another container
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip install --no-deps ." in dockerfile


def test_nats_gets_every_password_its_configuration_reads() -> None:
    nats = compose()["services"]["nats"]
    assert nats["command"][-1] == "/etc/nats/single.conf"
    needed = set(
        re.findall(r"\$(NATS_\w+_PASSWORD)", (DEPLOY / "nats" / "accounts.conf").read_text())
    )
    assert needed and needed <= set(nats["environment"])


def test_prometheus_and_grafana_get_the_shipped_files() -> None:
    services = compose()["services"]
    prometheus = services["prometheus"]
    assert "--config.file=/etc/prometheus/prometheus.docker.yml" in prometheus["command"]
    assert "./prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    grafana = services["grafana"]
    env = grafana["environment"]
    assert env["CRM_PROMETHEUS_URL"] == "http://prometheus:9090"
    assert f"./grafana/dashboards:{env['CRM_GRAFANA_DASHBOARDS']}:ro" in grafana["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]


def _docker_compose() -> bool:
    """Docker with its compose plugin (`docker compose config` needs no daemon)."""
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return done.returncode == 0


@pytest.mark.skipif(not _docker_compose(), reason="Docker with the compose plugin not installed")
def test_docker_compose_accepts_it() -> None:
    done = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
