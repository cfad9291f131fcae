"""`python -m <service>`'s command line (typer), without starting anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm_shared.machinery.cli import run_service
from crm_shared.machinery.entry import Entry
from crm_shared.machinery.settings import ServiceSettings


class _Settings:
    common = ServiceSettings(metrics_port=0)


def _entry(done: list[str]) -> Entry[Any]:
    def serve(settings: Any) -> Any:
        raise AssertionError("not in this test")

    return Entry(_Settings, Path("."), lambda s: done.append("migrated"), serve)


def test_migrate_runs_the_entrys_migration() -> None:
    done: list[str] = []
    assert run_service(["migrate"], _entry(done)) == 0
    assert done == ["migrated"]


@pytest.mark.parametrize("argv", [["bogus"], ["revision"], ["migrate", "extra"]])
def test_a_bad_command_line_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    done: list[str] = []
    assert run_service(argv, _entry(done), prog="python -m svc") == 2
    assert done == []
    assert "Использование: python -m svc" in capsys.readouterr().err


def test_help_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_service(["--help"], _entry([]), prog="python -m svc") == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("serve", "migrate", "revision"))


def test_the_gateways_groups_are_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.bootstrap import ENTRY

    assert run_service(["tokens", "--help"], ENTRY, prog="python -m gateway") == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("create", "list", "revoke"))
    assert run_service(["tokens", "create", "x", "--format", "csv"], ENTRY) == 2
    assert "'csv' — не одно из значений" in capsys.readouterr().err


def test_a_stop_while_starting_ends_the_process_even_inside_code_that_catches_everything() -> None:
    """The signal lands in whatever runs; pydantic-core wrapped a raised SystemExit into a
    SchemaError (status 1, a traceback). The early stop must not be catchable."""
    import signal
    import subprocess
    import sys
    import time

    code = (
        "import sys, time\n"
        "from crm_shared.machinery.early import stop_cleanly_while_starting\n"
        "stop_cleanly_while_starting([])\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    time.sleep(30)\n"
        "except BaseException as exc:\n"
        "    print('caught', type(exc).__name__, flush=True)\n"
        "    sys.exit(3)\n"
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.05)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0, out
        assert "caught" not in out
