"""Where `make run` keeps its credentials, and what its passwords look like."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from crm_shared.machinery import devrun


def test_passwords_are_letters_and_digits_a_letter_first() -> None:
    """nats-server reads a `$VARIABLE` as a config value: a leading digit made it a number
    (a stack failed to start, by chance, one time in six)."""
    for _ in range(200):
        made = devrun.secret()
        assert len(made) == 32 and made.isalnum() and made[0].isalpha(), made


def test_the_run_urls_carry_the_passwords_kept_in_the_data_dir(tmp_path: Path) -> None:
    env = {"CRM_DATA_DIR": str(tmp_path), "CRM_RUN_NATS_PORT": "4999", "CRM_RUN_PG_PORT": "5999"}
    assert devrun.run_nats_url("crm-cli", env) == "nats://127.0.0.1:4999"  # nothing made yet
    devrun.write_private(tmp_path / "run" / devrun.NATS_PASSWORDS, '{"crm-cli": "Abc1"}')
    devrun.write_private(tmp_path / "run" / devrun.PG_PASSWORD, "Xyz2\n")
    assert devrun.run_nats_url("crm-cli", env) == "nats://crm-cli:Abc1@127.0.0.1:4999"
    assert devrun.run_database_url(env) == "postgresql://postgres:Xyz2@127.0.0.1:5999/crm"
    assert (tmp_path / "run" / devrun.PG_PASSWORD).stat().st_mode & 0o777 == 0o600


def test_a_restored_data_dir_is_found_as_the_launcher_finds_it(tmp_path: Path) -> None:
    """`crm restore` says to start `CRM_RUN_DATA_DIR=<dir> make run`; with the same variable
    `crm` and `gateway tokens` must read that dir's passwords (they read ./.crm-data/run's,
    which NATS refused)."""
    restored = tmp_path / "restored"
    devrun.write_private(restored / devrun.NATS_PASSWORDS, '{"crm-cli": "Res1"}')
    env = {"CRM_DATA_DIR": str(tmp_path / "other"), "CRM_RUN_DATA_DIR": str(restored)}
    assert devrun.run_dir(env) == restored
    assert devrun.run_nats_url("crm-cli", env) == "nats://crm-cli:Res1@127.0.0.1:4322"
    assert devrun.run_dir({"CRM_DATA_DIR": str(tmp_path)}) == tmp_path / "run"


def test_crm_finds_make_runs_nats_by_itself(tmp_path: Path, monkeypatch: Any) -> None:
    """Without --nats: crm-cli's URL; `crm dlq` (stream messages) as crm-admin."""
    from crm_cli.main import app
    from crm_cli.ui import Options, options

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CRM_NATS_URL", raising=False)
    monkeypatch.delenv("CRM_RUN_NATS_PORT", raising=False)
    passwords = '{"crm-cli": "Cli1", "crm-admin": "Adm1"}'
    devrun.write_private(tmp_path / "run" / devrun.NATS_PASSWORDS, passwords)
    seen: list[Options] = []

    @app.command("probe-options", hidden=True)
    def probe(ctx: typer.Context) -> None:
        seen.append(options(ctx))

    try:
        assert CliRunner().invoke(app, ["probe-options"]).exit_code == 0
        assert CliRunner().invoke(app, ["--nats", "nats://x:y@h:1", "probe-options"]).exit_code == 0
    finally:
        app.registered_commands.pop()
    found, given = seen
    assert found.nats_url == "nats://crm-cli:Cli1@127.0.0.1:4322"
    assert found.admin_url() == "nats://crm-admin:Adm1@127.0.0.1:4322"
    assert given.nats_url == given.admin_url() == "nats://x:y@h:1"
