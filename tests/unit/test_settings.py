"""ServiceSettings.from_env is where the shared machinery's knobs are read, once."""

from __future__ import annotations

import importlib

import pytest

from crm_shared.machinery.settings import ServiceSettings, SettingsError


def test_fault_run_knobs_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_ACK_WAIT_SECONDS", "3")
    monkeypatch.setenv("CRM_DUPLICATE_WINDOW_SECONDS", "6")
    monkeypatch.setenv("CRM_STREAM_REPLICAS", "3")
    settings = ServiceSettings.from_env(9999)
    assert (settings.ack_wait_seconds, settings.duplicate_window_seconds) == (3.0, 6.0)
    assert settings.stream_replicas == 3


def test_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CRM_ACK_WAIT_SECONDS", "CRM_DUPLICATE_WINDOW_SECONDS", "CRM_STREAM_REPLICAS"):
        monkeypatch.delenv(name, raising=False)
    settings = ServiceSettings.from_env(9999)
    assert (settings.ack_wait_seconds, settings.duplicate_window_seconds) == (30.0, 120.0)
    assert settings.stream_replicas == 1


def test_a_bad_integer_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_STREAM_REPLICAS", "three")
    with pytest.raises(SettingsError) as caught:
        ServiceSettings.from_env(9999)
    assert str(caught.value).startswith("CRM_STREAM_REPLICAS='three': ")
    assert "нужно целое число" in str(caught.value)


@pytest.mark.parametrize(
    ("module", "variable"),
    [
        ("deal_service.settings", "CRM_LEAD_BATCH_SIZE"),
        ("task_service.settings", "CRM_TASK_BATCH_SIZE"),
        ("notifier.settings", "CRM_OVERDUE_FIRE_BATCH"),
        ("gateway.settings", "CRM_GATEWAY_PORT"),
        ("gateway.settings", "CRM_METRICS_PORT"),
    ],
)
def test_each_service_names_the_bad_variable(
    monkeypatch: pytest.MonkeyPatch, module: str, variable: str
) -> None:
    monkeypatch.setenv(variable, "12x")
    with pytest.raises(SettingsError, match=f"^{variable}='12x': "):
        importlib.import_module(module).Settings.from_env()


def test_the_service_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CRM_METRICS_PORT", "CRM_GATEWAY_PORT", "CRM_GATEWAY_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRM_LEAD_BATCH_SIZE", "")  # empty: unset, as before
    deal = importlib.import_module("deal_service.settings").Settings.from_env()
    gateway = importlib.import_module("gateway.settings").Settings.from_env()
    assert (deal.common.metrics_port, deal.lead_batch_size) == (9101, 500)
    assert (gateway.common.metrics_port, gateway.http_port) == (9104, 8000)
    assert gateway.secure_cookies is False
    assert gateway.dev_passwords is None


def test_the_environment_wins_over_the_default_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_METRICS_PORT", "9200")
    monkeypatch.setenv("CRM_GATEWAY_TRUSTED_PROXIES", "10.0.0.1, 10.1.0.0/16")
    monkeypatch.setenv("CRM_CONFIG", "/etc/crm.yaml")
    gateway = importlib.import_module("gateway.settings").Settings.from_env()
    assert gateway.common.metrics_port == 9200
    assert gateway.common.config_path == "/etc/crm.yaml"
    assert [str(n) for n in gateway.trusted_proxies] == ["10.0.0.1/32", "10.1.0.0/16"]


def test_a_service_started_with_a_bad_variable_says_which(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_shared.machinery.cli import run_service
    from deal_service.bootstrap import ENTRY

    monkeypatch.setenv("CRM_LEAD_BATCH_SIZE", "lots")
    assert run_service(["migrate"], ENTRY) == 2
    assert (
        "ошибка окружения: CRM_LEAD_BATCH_SIZE='lots': нужно целое число" in capsys.readouterr().err
    )
