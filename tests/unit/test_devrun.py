"""Where `make run` keeps its credentials, and what its passwords look like."""

from __future__ import annotations

from pathlib import Path

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
