"""`crm` speaks Russian: the main commands, run against the services as a person would, print
no English word outside an allow-list of codes and names (issue 21), as the board's walk does
for its pages (tests/e2e/test_board_locale.py). `--json` stays codes and UTC for programs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from typer.testing import Result

from tests.cli_support import crm, crm_json
from tests.locale_support import english
from tests.services import running
from tests.support import eventually


def said(result: Result) -> str:
    """Everything a person reads of one invocation: stdout and stderr."""
    return result.stdout + result.stderr


async def test_the_main_commands_print_no_english(clean: Any) -> None:
    shown: list[tuple[str, str]] = []

    async def run(*args: str, actor: str | None = "rop-1", ok: bool = True) -> Result:
        result = await crm(clean, *args, actor=actor)
        assert (result.exit_code == 0) is ok, (args, result.output)
        shown.append((" ".join(args), said(result)))
        return result

    async with running(clean, "deal-service", "task-service", "notifier"):
        await run("lead", "add", "--name", "Пётр", "--phone", "+7 912 345-67-89",
                  "--requirements", "20 коробок", "--comment", "Звонить вечером",
                  "--external-id", "form-21")  # fmt: skip
        [deal] = await crm_json(clean, "deal", "list")
        deal_id, manager = deal["id"], deal["responsible_id"]
        await run("deal", "list")
        await run("deal", "show", deal_id[:8])
        await run("deal", "move", deal_id, "OFFER_MADE", actor=manager, ok=False)
        await run("deal", "update", deal_id, "--amount", "15000", "--subject", "Кирпич",
                  "--delivery", "pickup", actor=manager)  # fmt: skip
        await run("deal", "move", deal_id, "OFFER_MADE", actor=manager)
        await run("deal", "contact-attempt", deal_id, "--note", "не берёт трубку", actor=manager)
        await run("deal", "move", deal_id, "WON", actor=manager, ok=False)
        await run("deal", "create", "--name", "Ольга", "--title", "Кирпич", actor="mgr-1")

        async def offer_task() -> Any:
            tasks = await crm_json(clean, "task", "list", "--deal", deal_id, "--status", "open")
            return next((t for t in tasks if t["stage"] == "OFFER_MADE"), None)

        task = await eventually(offer_task)
        await run("task", "list", "--all")
        await run("task", "comment", task["id"][:8], "Клиент в отпуске", actor=manager)
        await run("task", "show", task["id"][:8])
        await run("task", "complete", task["id"][:8], actor=manager)
        await run("task", "complete", task["id"][:8], actor=manager, ok=False)
        for group in ("deal", "task", "inbox", "report", "lead", "delivery"):
            await run(group, "--help")
        await run("deal", "move", "--help")
        await run("--help")
        await run("--wide", "deal", "show", deal_id)
        await run("inbox", actor=manager)
        await run("inbox", "read", "--all", actor=manager)
        await run("report", "funnel", "--from", "01.01.2020", "--to", "01.01.2100")
        await run("report", "period", "--from", "01.01.2020", "--to", "01.01.2100")
        await run("report", "funnel", "--from", "вчера", ok=False)
        await run("delivery", "list")
        await run("deal", "show", "ffffffff-ff", ok=False)
        await run("deal", "list", actor=None, ok=False)
    await run("task", "list", ok=False)  # nobody answers
    await run("--nats", "nats://127.0.0.1:1", "deal", "list", ok=False)

    for args, text in shown:
        assert not english(text), (args, english(text), text)
    assert any("закрыта: выполнена" in text for _, text in shown)


USAGE_ERRORS = {
    ("--bogus",): "Нет такого параметра: --bogus.",
    ("deal", "move"): "Не указан аргумент 'DEAL'.",
    ("deal", "get"): "Нет такой команды: 'get'.",
    ("deal", "list", "--limit", "abc"): "Неверное значение '--limit': 'abc' — не целое число.",
    ("deal", "list", "--limit"): "Параметру --limit нужно значение.",
    ("deal", "list", "лишнее"): "Лишние аргументы: лишнее.",
}


def test_a_command_line_mistake_is_told_in_russian() -> None:
    """typer's and its click's own words («Usage:», «Error», «Try … for help», «Missing
    argument», «No such option») in Russian: `crm` and a service's `python -m` run as a
    person runs them, in a process of their own, before any server is asked."""
    env = {**os.environ, "COLUMNS": "200", "LANG": "C.UTF-8"}
    env.pop("CRM_NATS_URL", None)
    runs = [(("crm_cli", *args), want) for args, want in USAGE_ERRORS.items()]
    runs += [(("gateway", "tokens", "create"), "Не указан аргумент 'name'.")]
    runs += [(("notifier", "--bogus"), "Нет такого параметра: --bogus.")]
    for argv, want in runs:
        done = subprocess.run(
            [sys.executable, "-m", *argv], capture_output=True, text=True, env=env, timeout=60
        )
        text = done.stdout + done.stderr
        assert done.returncode == 2, (argv, text)
        assert want in text, (argv, text)
        assert "─ Ошибка ─" in text and "Error" not in text, (argv, text)
        if argv[-1] != "--limit":  # click's parser knows no command there: no usage line
            assert "Использование: " in text and "Справка: '" in text, (argv, text)
        assert not english(text), (argv, english(text), text)
    helped = subprocess.run(
        [sys.executable, "-m", "crm_cli", "deal", "move", "--help"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert "Использование: crm deal move [ПАРАМЕТРЫ]" in helped.stdout, helped.stdout
    assert "Показать эту справку и выйти." in helped.stdout
    assert not english(helped.stdout), english(helped.stdout)


def test_the_check_finds_english_and_spares_codes() -> None:
    assert english("task 4c89006d closed (completed)") == ["task", "closed"]
    assert not english("отказ (not_found): Сделка не найдена. OFFER_MADE mgr-1 4c89006d")
    assert not english("Укажите --as ПОЛЬЗОВАТЕЛЬ (или CRM_ACTOR); `make run`; 1\u00a0000 ₽")
