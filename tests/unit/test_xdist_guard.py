"""`make test` (pytest-xdist) refuses a given NATS: its workers would share it and one's
`reset` would delete the streams under another's test."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import pytest_configure


def _config(workers: Any) -> Any:
    return SimpleNamespace(option=SimpleNamespace(numprocesses=workers))


def test_two_workers_and_a_given_nats_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NATS_URL", "nats://crm-admin:x@127.0.0.1:4222")
    with pytest.raises(pytest.UsageError, match="CRM_NATS_URL is set: the workers of -n 2"):
        pytest_configure(_config(2))
    for fine in (None, 0, 1):
        pytest_configure(_config(fine))
    monkeypatch.delenv("CRM_NATS_URL")
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql://postgres:x@127.0.0.1:5432/test")
    pytest_configure(_config(2))  # a fresh database per worker: safe
