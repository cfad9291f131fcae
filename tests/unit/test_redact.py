"""`mask_pii` and the logging filter: phones and e-mail addresses never reach a log line."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import pytest

from crm_shared.machinery.redact import PiiFilter, install_pii_filter, mask_pii


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+7 912 345-67-89", "+* *** ***-**-89"),
        ("+79123456789", "+*********89"),
        ("8 (912) 345-67-89", "* (***) ***-**-89"),
        ("89123456789", "*********89"),
        ("tel +44 20 7946 0958.", "tel +** ** **** **58."),
        ("tel:+79123456789, phone=8-912-345-67-89", "tel:+*********89, phone=*-***-***-**-89"),
        ("ivan.petrov@example.ru", "i***@example.ru"),
        ("mailto:ivan@example.ru", "mailto:i***@example.ru"),
        ("to <a@b.co>", "to <a***@b.co>"),
    ],
)
def test_phones_and_addresses_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-30 20:32:38.123456+00:00",
        "deal deal-1234567890 at stream sequence 1234567",
        "nats://127.0.0.1:4222 and 192.168.100.200",
        "moved 12 deals, 345 leads in 0.25 s",
        "amount 15000.25 RUB",
        "x" + "9" * 40,  # a run too long for a phone
        "3f2b1c4e-1234-5678-9abc-def012345678",
        "at 20:32:38+00:00, a+79123456789 is not a phone",
    ],
)
def test_what_is_not_personal_data_is_left_alone(text: str) -> None:
    assert mask_pii(text) == text


def test_the_filter_masks_message_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.redact")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    install_pii_filter(logger)
    install_pii_filter(logger)  # twice is once
    assert sum(isinstance(f, PiiFilter) for f in handler.filters) == 1
    try:
        logger.warning("lead %s from %s", "+7 912 345-67-89", "ivan@example.ru")
        try:
            raise ValueError("duplicate key (phone)=(+79123456789)")
        except ValueError:
            logger.exception("insert failed for petr@example.ru")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "+* *** ***-**-89" in text and "i***@example.ru" in text
    assert "p***@example.ru" in text and "+*********89" in text
    assert "912" not in text and "ivan@" not in text and "petr@" not in text


# What a service does at start (`configure_logging`), then a failure that quotes a lead: the
# phone and address in the message, its arguments, the traceback and the stack are masked
# whichever of the handler's filters runs first, and so is a URL password.
_SERVICE_LOGS = """
import logging
from crm_shared.machinery.logs import configure_logging
configure_logging()
log = logging.getLogger("crm.test")
try:
    raise ValueError("duplicate key (phone)=(+79123456789) for ivan.petrov@example.ru "
                     "on postgresql://crm:hunter2@db/crm")
except ValueError:
    log.exception("failed for %s", "+7 912 345-67-89")
log.warning("lead of anna.petrova@example.ru", stack_info=True)
"""


def test_a_service_log_masks_tracebacks_and_stacks_through_configure_logging() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SERVICE_LOGS], capture_output=True, text=True, check=True
    )
    text = done.stderr
    assert "Traceback" in text and "Stack (most recent call last)" in text
    assert "+*********89" in text and "i***@example.ru" in text and "+* *** ***-**-89" in text
    assert "a***@example.ru" in text and "postgresql://crm:***@db/crm" in text
    for secret in ("9123456789", "912 345", "ivan.petrov", "anna.petrova", "hunter2"):
        assert secret not in text
