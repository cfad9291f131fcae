"""`crm backup` hands pg_dump / pg_restore a URL without its password (the password goes in
PGPASSWORD): a command line is readable by every user of the machine."""

from __future__ import annotations

import re
from pathlib import Path

from crm_cli.backup.database import EXTENSIONS, _without_password

ROOT = Path(__file__).resolve().parents[2]


def test_a_password_leaves_the_url_for_the_environment() -> None:
    assert _without_password("postgresql://crm:p%40ss@127.0.0.1:5532/crm") == (
        "postgresql://crm@127.0.0.1:5532/crm",
        {"PGPASSWORD": "p@ss"},
    )
    assert _without_password("postgresql://u:pw@[::1]:5/db?sslmode=disable") == (
        "postgresql://u@[::1]:5/db?sslmode=disable",
        {"PGPASSWORD": "pw"},
    )


def test_a_url_without_password_is_kept() -> None:
    url = "postgresql://postgres@127.0.0.1:5532/crm"
    assert _without_password(url) == (url, {})


def test_every_extension_a_migration_creates_is_made_before_a_restore() -> None:
    # The schema dumps hold no extension; deal's trigram indexes made pg_restore fail
    # ("CREATE INDEX contacts_name_trgm ... gin_trgm_ops") until restore created pg_trgm.
    made = set()
    for path in (ROOT / "services").glob("*/*/migrations/versions/*.py"):
        made |= set(re.findall(r"CREATE EXTENSION IF NOT EXISTS (\w+)", path.read_text()))
    assert made, "no migration creates an extension: the check reads the wrong files"
    assert made <= set(EXTENSIONS)
