"""`crm`, the command line, run in-process for the e2e tests: typer's CliRunner in a worker
thread (it calls asyncio.run itself, while the services run on the test's event loop), signed
in to the test's NATS as the operator's user. One invocation at a time (the runner swaps
sys.stdout)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from typer.testing import CliRunner, Result

from crm_cli.main import app
from tests.services import nats_url_of

runner = CliRunner()


OPERATOR = "rop-1"
"""Who a test's `crm` acts as unless it says otherwise: the РОП, who sees every deal and task."""


async def crm(
    infra: Any, *args: str, actor: str | None = OPERATOR, user: str = "crm-cli"
) -> Result:
    """`crm --nats <test server> [--as actor] args...`, its output and exit code; `actor=None`
    gives no --as. It signs in to NATS as the operator's user, crm-cli, as deployed (`crm dlq`
    needs crm-admin)."""
    url = nats_url_of(infra, user)
    argv = ["--nats", url, *(["--as", actor] if actor else []), *args]
    env = {"COLUMNS": "200", "CRM_ACTOR": None, "CRM_NATS_URL": None}
    return await asyncio.to_thread(lambda: runner.invoke(app, argv, env=env))


async def crm_json(infra: Any, *args: str, user: str = "crm-cli") -> Any:
    result = await crm(infra, "--json", *args, user=user)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def crm_at(infra: Any, columns: int, *args: str, actor: str = OPERATOR) -> Result:
    """`crm --as actor` in a terminal `columns` wide."""
    argv = ["--nats", nats_url_of(infra, "crm-cli"), "--as", actor, *args]
    env = {"COLUMNS": str(columns), "CRM_ACTOR": None, "CRM_NATS_URL": None}
    return await asyncio.to_thread(lambda: runner.invoke(app, argv, env=env))


async def fits(infra: Any, headers: tuple[str, ...], *args: str) -> list[str]:
    """`crm args...` at 80 and at 200 columns: no line wider than the terminal, and each of
    `headers` whole on the header line (never folded into letters). The output at 80."""
    shown = []
    for columns in (200, 80):
        result = await crm_at(infra, columns, *args)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= columns, result.stdout
        for header in headers:
            assert f" {header} " in lines[1], result.stdout
        shown.append(result.stdout)
    return shown
