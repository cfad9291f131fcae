"""The board's way back after sign-in (`next`, a local path only) and the position a live
connection resumes from."""

from __future__ import annotations

import pytest

from gateway.entrypoints.web.common import local_path, signin_url
from gateway.entrypoints.web.live import positions


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/deals/d-1", "/deals/d-1"),
        ("/board?manager=mgr-2", "/board?manager=mgr-2"),
        ("/tasks", "/tasks"),
        # Off the site, or nowhere a person should land after signing in:
        ("https://evil.example/", None),
        ("//evil.example/x", None),
        ("/\\evil.example", None),
        ("\\\\evil.example", None),
        ("javascript:alert(1)", None),
        ("deals/d-1", None),
        ("/deals/d-1\r\nSet-Cookie: x=1", None),
        ("/signin?next=/signin", None),
        ("/api/deals", None),
        ("/signout", None),
        ("/board/live", None),
        ("/board/live?from=120:7", None),
        ("", None),
        (None, None),
    ],
)
def test_next_is_a_local_path_only(given: str | None, kept: str | None) -> None:
    assert local_path(given) == kept


def test_the_signin_address_carries_the_page_to_return_to() -> None:
    assert signin_url("/deals/d-1") == "/signin?next=%2Fdeals%2Fd-1"
    assert signin_url("/board?manager=mgr-2") == "/signin?next=%2Fboard%3Fmanager%3Dmgr-2"
    assert signin_url("/board") == signin_url(None) == signin_url("//evil") == "/signin"


@pytest.mark.parametrize(
    ("header", "after"),
    [("120:7", (120, 7)), ("0:0", (0, 0)), ("", (None, None)), ("12", (None, None)),
     ("a:b", (None, None)), ("1:2:3", (None, None)), ("²:1", (None, None)),
     ("9" * 5000 + ":1", (None, None)), ("-1:2", (None, None))],
)  # fmt: skip
def test_a_live_connection_resumes_from_both_positions(
    header: str, after: tuple[int | None, int | None]
) -> None:
    assert positions(header) == after
