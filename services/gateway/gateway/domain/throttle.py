"""Slowing down password guessing: too many failures in a window → wait (HTTP 429)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta


def retry_after(
    failures: Sequence[datetime], now: datetime, window: timedelta, limit: int
) -> float | None:
    """Seconds until one more attempt is allowed, or None when it is allowed now.

    `failures` are the times of failed attempts (any order). Once `limit` of them fall in
    the last `window`, attempts wait until the oldest of the newest `limit` leaves it.
    """
    recent = sorted(t for t in failures if now - t < window)
    if len(recent) < limit:
        return None
    oldest_counted = recent[-limit]
    return max(1.0, (oldest_counted + window - now).total_seconds())
