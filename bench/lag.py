"""A watcher's lag (the overdue and the idle phases): a few items falling due over a few
seconds while many more are watched; for each, the time it was told minus its due time."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext

from bench.load import no_gc, percentile, poll, publish_all


@dataclass
class Lag:
    """p50/p99 of told − due for `due` items falling due while `watched` are watched."""

    watched: int
    due: int
    fired: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    load_seconds: float


async def near_lag(
    js: JetStreamContext,
    subject: str,
    near: list[bytes],
    due_at: dict[str, float],
    told: dict[str, float],
    *,
    spread: float,
    watched: int,
    load_seconds: float,
) -> Lag:
    """Publish the `near` events (each item's due time, epoch seconds, in `due_at`), wait
    until `told` (filled by the caller's subscription) has every one or the time is up, and
    read the lags off."""
    with no_gc():
        await publish_all(js, subject, near)
        await poll(lambda: len(told.keys() & due_at.keys()) >= len(due_at), timeout=spread + 33)
    lags = [(told[k] - t) * 1000 for k, t in due_at.items() if k in told]
    return Lag(
        watched=watched,
        due=len(due_at),
        fired=len(lags),
        p50_ms=percentile(lags, 50),
        p99_ms=percentile(lags, 99),
        max_ms=max(lags, default=float("nan")),
        load_seconds=load_seconds,
    )
