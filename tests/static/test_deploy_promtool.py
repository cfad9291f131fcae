"""deploy/prometheus checked by promtool: the configurations, the rules, their unit tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROMTOOL = shutil.which("promtool")
PROMETHEUS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"

pytestmark = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package `prometheus`; .ci/run installs it)",
)


def promtool(*args: str) -> str:
    """Run promtool in deploy/prometheus (rule files are named relative to it)."""
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_configurations_are_valid() -> None:
    out = promtool("check", "config", "prometheus.yml", "prometheus.docker.yml")
    assert out.count("is valid prometheus config file syntax") == 2


def test_rules_are_valid() -> None:
    out = promtool("check", "rules", "alerts.yml")
    assert "SUCCESS: 13 rules found" in out


def test_rules_behave_as_their_unit_tests_say() -> None:
    # Alerts (down, dead letters, outbox age, stalled consumers, failed deliveries, overdue
    # surge) and the dashboards' way of counting a period's events.
    out = promtool("test", "rules", "alerts_test.yml", "dashboard_queries_test.yml")
    assert "SUCCESS" in out
