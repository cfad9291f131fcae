"""crm_shared.machinery.loops.Periodic: the one sleep/wake/back-off/stop loop of the services."""

from __future__ import annotations

import asyncio
import logging

import pytest

from crm_shared.machinery.loops import Periodic

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
    with caplog.at_level(logging.WARNING, logger="crm_shared.machinery.loops"):
        task = asyncio.create_task(loop.run())
        await _until(lambda: len(calls) == 3)
        loop.stop()
        await asyncio.wait_for(task, timeout=5)
    assert len(errors) == 2
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "test loop failed, retrying in 0.0s: RuntimeError('database down')"
    assert len(lines) == 2


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
