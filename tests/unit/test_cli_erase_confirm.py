"""`crm contact erase` asks first (a walkthrough: it erased at once, and it cannot be
undone): at a terminal «да» goes on and anything else stops it; without one, --yes must."""

from __future__ import annotations

import io
from typing import Any

import pytest
import typer

from crm_cli.contacts import confirm_erasure


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("answer", "goes_on"), [("да", True), ("Д", True), ("нет", False), ("", False)]
)
def test_at_a_terminal_only_yes_goes_on(monkeypatch: Any, answer: str, goes_on: bool) -> None:
    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("builtins.input", lambda asked: answer)
    if goes_on:
        confirm_erasure("c-1")
    else:
        with pytest.raises(typer.Exit) as stopped:
            confirm_erasure("c-1")
        assert stopped.value.exit_code == 1


def test_without_a_terminal_it_refuses(monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("да\n"))
    with pytest.raises(typer.Exit) as stopped:
        confirm_erasure("c-1")
    assert stopped.value.exit_code == 2
