"""A dead letter fits the stream whatever it carries (issue 10)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crm_shared.bus import letter_body


class _Msg:
    """Just what `letter_body` reads of a message."""

    def __init__(self, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.subject = "crm.lead.received"
        self.data = data
        self.headers = headers
        self.metadata: Any = None


@pytest.mark.parametrize(
    "data",
    [b"\x01" * 1_000_000, b"\xff" * 1_000_000, "я".encode() * 500_000, b'"' * 1_000_000],
)
def test_a_large_original_is_cut_with_a_marker_and_its_size(data: bytes) -> None:
    headers = {f"H-{i}": "v\r\n" * 2000 for i in range(100)}
    body = letter_body("deal-service", _Msg(data, headers), "reason\n" * 10_000, 1_000_000)
    assert len(body) <= 1_000_000
    letter = json.loads(body)
    assert letter["original_truncated"] is True and letter["original_size"] == len(data)
    assert letter["original"].endswith(f"of {len(data)} bytes]")
    assert all("\r" not in v and "\n" not in v for v in letter["original_headers"].values())


def test_a_small_original_is_kept_whole() -> None:
    letter = json.loads(letter_body("deal-service", _Msg(b"[[["), "r", 1_000_000))
    assert letter["original"] == "[[[" and "original_truncated" not in letter
