"""`configure_logging`'s filters: FastStream's line per ended subscriber task stays at DEBUG.

On Ctrl-C of `make run` every service said «crm_shared.faststream INFO callback for Task-36 is
being executed...» after its stop line: the done-callback of a FastStream subscriber task
(`TaskCallbackSupervisor`), at INFO each time one ends, failed or not. A task that failed is
said apart, at ERROR; that line is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from crm_shared.machinery.logs import LibraryChatter


def _record(msg: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("crm_shared.faststream", level, __file__, 1, msg, None, None)


@pytest.fixture
def root_level() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    before = root.level
    yield root
    root.setLevel(before)


def test_a_task_ended_is_not_an_operators_line(root_level: logging.Logger) -> None:
    root_level.setLevel(logging.INFO)
    assert not LibraryChatter().filter(_record("callback for Task-36 is being executed..."))
    failed = _record("Task-36 raised an exception, retrying...", logging.ERROR)
    assert LibraryChatter().filter(failed) and failed.levelname == "ERROR"
    ours = _record("SIGTERM received; stopping (within 5 s)")
    assert LibraryChatter().filter(ours) and ours.levelname == "INFO"


def test_at_debug_it_is_shown_as_debug(root_level: logging.Logger) -> None:
    root_level.setLevel(logging.DEBUG)
    record = _record("callback for Task-36 is being executed...")
    assert LibraryChatter().filter(record)
    assert (record.levelno, record.levelname) == (logging.DEBUG, "DEBUG")
