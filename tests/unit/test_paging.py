"""Paging cursors read back what they were made of; anything else is a ValueError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crm_shared.machinery.paging import decode_moment, decode_seq, encode_moment, encode_seq
from tests.support import FORGED_CURSORS


def test_a_cursor_the_services_make_reads_back() -> None:
    at = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=3)))
    assert decode_moment(encode_moment(at, "d-1")) == (at.astimezone(UTC), "d-1")
    assert decode_seq("task", encode_seq("task", 2**63 - 1)) == 2**63 - 1
    with pytest.raises(ValueError, match="bad cursor"):
        decode_seq("task", encode_seq("notify", 1))


@pytest.mark.parametrize("cursor", FORGED_CURSORS.values(), ids=FORGED_CURSORS.keys())
def test_a_forged_cursor_is_a_value_error_for_every_list(cursor: str) -> None:
    for read in (decode_moment, lambda c: decode_seq("task", c), lambda c: decode_seq("notify", c)):
        with pytest.raises(ValueError, match="bad cursor"):
            read(cursor)
