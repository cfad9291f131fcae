"""When to try a delivery again, when to give up, and what an HTTP answer means.

A channel that is down delays a delivery: the pause grows exponentially with jitter up to
a cap, and a receiver's `Retry-After` wins over our own schedule. After `max_attempts`
failed attempts the delivery is `failed`: it stays in the table, is counted, listed by
`crm delivery list` and can be retried by hand (`crm delivery retry`). 410 Gone means the
receiver asks us to stop, so the endpoint is disabled (Standard Webhooks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

# A receiver may ask for a long pause, but not for one that parks a notification for days.
RETRY_AFTER_CAP = 6 * 3600.0
# A Retry-After longer than any date or number of seconds could be is not read at all.
_RETRY_AFTER_MAX_LENGTH = 64


@dataclass(frozen=True)
class RetryPolicy:
    """The retry schedule: first pause `base`, doubling up to `cap` (seconds).

    After `max_attempts` failed attempts a delivery is failed and no longer retried (a
    retry by hand allows one more attempt).
    """

    base: float = 1.0
    cap: float = 600.0
    max_attempts: int = 5


class Verdict(StrEnum):
    """What to do with a delivery after an attempt."""

    delivered = "delivered"
    retry = "retry"
    fail = "fail"
    disable = "disable"


@dataclass(frozen=True)
class Decision:
    """A verdict and, for a retry, how many seconds to wait."""

    verdict: Verdict
    delay: float = 0.0


def backoff_delay(attempt: int, policy: RetryPolicy, rand: Callable[[], float]) -> float:
    """The pause after failed attempt number `attempt` (1-based).

    "Equal jitter": half the exponential step is fixed, half random, so replicas retrying
    the same endpoint spread out but no retry comes almost at once. `rand` returns [0, 1).
    """
    step = min(policy.cap, policy.base * 2 ** min(max(attempt - 1, 0), 30))
    return step / 2 + step / 2 * rand()


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header, or None when there is nothing usable.

    Delta-seconds (ASCII digits only) or an HTTP date, capped at RETRY_AFTER_CAP; a date in
    the past is 0. Whatever else a receiver sends (a negative or fractional number, another
    script's digits, garbage, an absurd date, a huge value) is ignored, never an error.
    """
    if not value or len(value) > _RETRY_AFTER_MAX_LENGTH:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), RETRY_AFTER_CAP)
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            return None
        return min(max((when - now).total_seconds(), 0.0), RETRY_AFTER_CAP)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def judge_http(
    status: int | None,
    retry_after: str | None,
    attempt: int,
    policy: RetryPolicy,
    now: datetime,
    rand: Callable[[], float],
) -> Decision:
    """Decide on an HTTP answer; `status` None means no answer (refused, timed out)."""
    if status is not None and 200 <= status < 300:
        return Decision(Verdict.delivered)
    if status == 410:
        return Decision(Verdict.disable)
    if attempt >= policy.max_attempts:
        return Decision(Verdict.fail)
    wait = parse_retry_after(retry_after, now) if status is not None else None
    if wait is None:
        wait = backoff_delay(attempt, policy, rand)
    return Decision(Verdict.retry, wait)


def judge_failure(attempt: int, policy: RetryPolicy, rand: Callable[[], float]) -> Decision:
    """A delivery that failed without an answer to interpret (e.g. the SMTP server is down)."""
    if attempt >= policy.max_attempts:
        return Decision(Verdict.fail)
    return Decision(Verdict.retry, backoff_delay(attempt, policy, rand))
