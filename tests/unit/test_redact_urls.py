"""Passwords inside URLs never reach a message."""

from __future__ import annotations

import logging

import pytest

from crm_shared.logs import MaskSecrets
from crm_shared.redact import mask_url, mask_urls


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("nats://deal-service:s3cret@nats:4222", "nats://deal-service:***@nats:4222"),
        ("postgresql://crm:p@ss@db:5432/crm", "postgresql://crm:***@db:5432/crm"),
        ("nats://a:x@n1:4241,nats://b:y@n2:4242", "nats://a:***@n1:4241,nats://b:***@n2:4242"),
        ("postgresql://postgres@127.0.0.1:5532/crm", "postgresql://postgres@127.0.0.1:5532/crm"),
        ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
    ],
)
def test_mask_url_hides_only_the_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_every_url_in_a_text_is_masked() -> None:
    text = "cannot reach nats://u:pw1@h:1 nor postgresql+asyncpg://v:pw2@h/db, giving up"
    assert mask_urls(text) == (
        "cannot reach nats://u:***@h:1 nor postgresql+asyncpg://v:***@h/db, giving up"
    )


def test_the_log_filter_masks_messages_and_tracebacks() -> None:
    try:
        raise ConnectionError("refused by postgresql://crm:hunter2@db/crm")
    except ConnectionError as exc:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "lost %s", ("nats://svc:hunter2@n:4222",), None
        )
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert MaskSecrets().filter(record)
    text = logging.Formatter().format(record)
    assert "hunter2" not in text
    assert "lost nats://svc:***@n:4222" in text and "postgresql://crm:***@db/crm" in text
