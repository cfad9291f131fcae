"""ServiceSettings.from_env is where the shared machinery's knobs are read, once."""

from __future__ import annotations

import pytest

from crm_shared.machinery.settings import ServiceSettings


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
