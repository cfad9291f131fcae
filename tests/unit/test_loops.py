"""crm_shared.machinery.loops.Periodic: the one sleep/wake/back-off/stop loop of the services."""

from __future__ import annotations

import asyncio
import logging

import pytest

from crm_shared.machinery import loops
from crm_shared.machinery.loops import Periodic, Streak

LONG = 60.0  # a sleep no test waits out: each ends it by wake() or stop()


async def _until(check: object, timeout: float = 10.0) -> None:
    """Poll `check()` (a bounded window) until true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():  # type: ignore[operator]
        assert loop.time() < deadline, "never happened"
        await asyncio.sleep(0.01)


async def _settle() -> None:
    """Let the loop run up to its next await: no I/O is involved, so a few turns of the
    event loop are enough (not a timed wait)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_wake_cuts_a_sleep_short_and_stop_ends_the_loop_promptly() -> None:
    rounds: list[int] = []

    async def step() -> float:
        rounds.append(1)
        return LONG

    loop = Periodic("test", step)
    task = asyncio.create_task(loop.run())
    await _until(lambda: len(rounds) == 1)
    loop.wake()
    await _until(lambda: len(rounds) == 2)
    loop.stop()
    await asyncio.wait_for(task, timeout=5)
    assert len(rounds) == 2


async def test_a_failing_step_is_logged_backed_off_and_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []

    async def step() -> float:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("database down")
        return LONG

    errors: list[Exception] = []
    loop = Periodic("test loop", step, backoff=0.01, on_error=errors.append)
    with caplog.at_level(logging.INFO, logger="crm_shared.machinery.loops"):
        task = asyncio.create_task(loop.run())
        await _until(lambda: len(calls) == 3)
        loop.stop()
        await asyncio.wait_for(task, timeout=5)
    assert len(errors) == 2
    lines = [r.getMessage() for r in caplog.records]
    # Said when the failures begin and when they end, not once per failed round.
    assert lines == [
        "test loop failed: RuntimeError('database down'); retrying, backing off up to 5 s",
        "test loop working again after 0 s (2 failures)",
    ]


async def test_stop_cuts_a_back_off_short() -> None:
    async def step() -> float:
        raise RuntimeError("down")

    loop = Periodic("test", step, backoff=LONG, max_backoff=LONG)
    task = asyncio.create_task(loop.run())
    await _settle()  # into its first back-off
    loop.stop()
    await asyncio.wait_for(task, timeout=5)


async def test_start_after_and_drain_after_stop() -> None:
    left = [3]

    async def step() -> float:
        left[0] = max(0, left[0] - 1)
        return LONG

    loop = Periodic("test", step, start_after=LONG, drain=lambda: left[0] > 0)
    task = asyncio.create_task(loop.run())
    await _settle()
    assert left == [3]  # still in its first sleep (start_after)
    loop.stop()
    await asyncio.wait_for(task, timeout=5)
    assert left == [0]  # rounds ran, without sleeping, until drain said nothing was left


async def test_an_error_it_is_not_told_to_retry_ends_the_loop() -> None:
    async def step() -> float:
        raise KeyError("a bug")

    loop = Periodic("test", step, retry_on=(OSError,))
    with pytest.raises(KeyError):
        await asyncio.wait_for(loop.run(), timeout=5)


def test_a_long_run_of_failures_is_said_at_growing_intervals(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure every second for two minutes: a line at its start, at 10 s, 30 s, 1 min and
    2 min, one at its end; a transient one (the database down, which its Dependency reports)
    only at its start and end."""
    now = [1000.0]
    monkeypatch.setattr(loops.time, "monotonic", lambda: now[0])
    bug, down, wrapped = Streak("bug"), Streak("relay"), Streak("wrapped")
    refused = ConnectionRefusedError(111, "Connection refused")
    unacked = RuntimeError("not acknowledged")
    unacked.__cause__ = TimeoutError()  # raised from a transient fault: the same
    with caplog.at_level(logging.INFO, logger="crm_shared.machinery.loops"):
        for _ in range(121):
            bug.failed(KeyError("x"), "retrying")
            down.failed(refused, "retrying")
            wrapped.failed(unacked, "retrying")
            now[0] += 1.0
        for streak in (bug, down, wrapped):
            streak.succeeded()
    said = [r.getMessage() for r in caplog.records]
    assert [line for line in said if line.startswith("bug")] == [
        "bug failed: KeyError('x'); retrying",
        "bug still failing (10 s): KeyError('x')",
        "bug still failing (30 s): KeyError('x')",
        "bug still failing (60 s): KeyError('x')",
        "bug still failing (2 min): KeyError('x')",
        "bug working again after 2 min (121 failures)",
    ]
    assert [line for line in said if line.startswith("relay")] == [
        "relay failed: ConnectionRefusedError(111, 'Connection refused'); retrying",
        "relay working again after 2 min (121 failures)",
    ]
    assert len([line for line in said if line.startswith("wrapped")]) == 2
