"""A request's subject is written once, as its contract model's `SUBJECT`.

Anywhere else a `crm.cmd.` or `crm.query.` string is a typo waiting to happen (it answers "no
responders", reported as "try again"): callers send the model (`bus.ask(MoveDeal(...))`) and
prose names the model (`ListNotifications`). Every string of the product's Python is read,
docstrings and f-strings included; comments are not strings. The contracts, docs and tests
are not checked.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ["services", "cli", "shared", "tools", "bench"]
HOME = ROOT / "shared" / "crm_shared" / "contracts"
PREFIXES = ("crm.cmd.", "crm.query.")
STRINGS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def subject_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string token that holds a request subject."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in STRINGS and any(p in token.string for p in PREFIXES):
            found.append((token.start[0], token.string.strip()[:80]))
    return found


def test_the_check_sees_strings_and_not_comments() -> None:
    source = 'x = "crm.query.deal.get"  # crm.cmd.deal.move\ny = f"{x}crm.cmd.{x}"\n'
    assert [line for line, _ in subject_strings(source)] == [1, 2]


def test_no_subject_is_written_outside_the_contracts() -> None:
    offenders = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if HOME in path.parents or ".venv" in path.parts:
                continue
            for line, text in subject_strings(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not offenders, "subjects written outside contracts/ (use Model.SUBJECT):\n" + "\n".join(
        offenders
    )
