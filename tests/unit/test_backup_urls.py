"""`crm backup` hands pg_dump / pg_restore a URL without its password (the password goes in
PGPASSWORD): a command line is readable by every user of the machine."""

from __future__ import annotations

from crm_cli.backup.database import _without_password


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
