"""The notifier tests' fixtures, a pytest plugin (tests/conftest.py's `pytest_plugins`):
`notifier_fast` (a module's `pytestmark = pytest.mark.usefixtures("notifier_fast")`) and
`receiver`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.notifier_support import FAST_ENV, Receiver, whsec


@pytest.fixture
def notifier_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """The notifier's retries and idle looks in tenths of a second (FAST_ENV)."""
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on a loopback port with a fresh secret, stopped afterwards."""
    r = Receiver(whsec())
    await r.start()
    yield r
    await r.stop()
