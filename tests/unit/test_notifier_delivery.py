"""The notifier's webhook deliveries decided without a network: back-off, Retry-After, what
an HTTP answer means, when a delivery gives up, and the Standard Webhooks signature."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from standardwebhooks import Webhook

from notifier.adapters.webhook import signed_headers
from notifier.domain.delivery import (
    RETRY_AFTER_CAP,
    RetryPolicy,
    Verdict,
    backoff_delay,
    judge_failure,
    judge_http,
    parse_retry_after,
)
from tests.notifier_support import whsec

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base=1.0, cap=60.0, max_attempts=5)


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    low = [backoff_delay(n, POLICY, lambda: 0.0) for n in range(1, 10)]
    high = [backoff_delay(n, POLICY, lambda: 0.999) for n in range(1, 10)]
    assert low[:4] == [0.5, 1.0, 2.0, 4.0]
    assert all(h < 2 * lo for lo, h in zip(low, high, strict=True))
    assert max(high) <= POLICY.cap


def test_retry_after_as_seconds_or_http_date() -> None:
    assert parse_retry_after("7", NOW) == 7.0
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, NOW) == 30.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_retry_after_garbage_is_ignored_and_long_waits_capped() -> None:
    past = format_datetime(NOW - timedelta(days=1), usegmt=True)
    assert parse_retry_after(past, NOW) == 0.0
    assert parse_retry_after("9" * 40, NOW) == RETRY_AFTER_CAP
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", NOW) == RETRY_AFTER_CAP
    for garbage in (
        "-5",
        "1.5",
        "²",  # str.isdigit() says yes, float() says no
        "٣",
        "9" * 5000,
        "Wed, 21 Oct 99999 07:28:00 GMT",
        "Wed, 99 Oct 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 07:28:00",  # no zone
        "\x00",
        "   ",
    ):
        assert parse_retry_after(garbage, NOW) is None, garbage


def test_http_verdicts() -> None:
    def judge(status: int | None, retry_after: str | None = None) -> tuple[Verdict, float]:
        d = judge_http(status, retry_after, 1, POLICY, NOW, lambda: 0.0)
        return d.verdict, d.delay

    assert judge(204) == (Verdict.delivered, 0.0)
    assert judge(410) == (Verdict.disable, 0.0)
    assert judge(500) == (Verdict.retry, 0.5)
    assert judge(429, "3") == (Verdict.retry, 3.0)
    assert judge(None) == (Verdict.retry, 0.5)
    assert judge(503, "garbage") == (Verdict.retry, 0.5)


def test_a_delivery_fails_after_max_attempts() -> None:
    def verdict(attempt: int, status: int | None = 500) -> Verdict:
        return judge_http(status, "1", attempt, POLICY, NOW, lambda: 0.0).verdict

    assert [verdict(n) for n in range(1, 7)] == [Verdict.retry] * 4 + [Verdict.fail] * 2
    assert verdict(5, None) == Verdict.fail
    assert verdict(5, 200) == Verdict.delivered  # the last attempt may still succeed
    assert verdict(9, 410) == Verdict.disable
    assert judge_failure(4, POLICY, lambda: 0.0).verdict == Verdict.retry
    assert judge_failure(5, POLICY, lambda: 0.0).verdict == Verdict.fail


def test_signature_verifies_with_the_reference_package() -> None:
    secret = whsec()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    body = '{"text": "Просрочена задача"}'.encode()
    headers = signed_headers(key, "msg-1", body, datetime.now(UTC))
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == {"text": "Просрочена задача"}
