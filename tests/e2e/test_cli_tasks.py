"""`crm task list` and `crm deal show` tell open tasks from closed ones on an ordinary terminal.

A tester moved a deal through every stage to WON; at 80 columns `task list --mine` then listed
its closed stage tasks with their deadlines and no «статус» column (the first to be dropped),
as if they were still to do, and `deal show` the same. `task list` lists open tasks unless
told `--status closed` or `any`, and the status is a column no width drops.
"""

from __future__ import annotations

import re
from typing import Any

from tests.cli_support import crm, crm_at, crm_json
from tests.services import running
from tests.support import eventually

PICKUP = ["PROCESSING", "OFFER_MADE", "ANSWER_RECEIVED", "INVOICE_SENT", "PAYMENT_RECEIVED", "WON"]


async def _deal(infra: Any, name: str) -> str:
    made = await crm(
        infra, "deal", "create", "--name", name, "--requirements", "2 поддона", "--amount",
        "15000", "--subject", "Кирпич", "--delivery", "pickup", actor="mgr-1",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    found = re.search(r"сделка (\S+) «Новый лид»", made.stdout)
    assert found, made.output
    return found[1]


def _table_fits(text: str, columns: int) -> list[str]:
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= columns, text
    return lines


async def test_closed_tasks_are_not_listed_as_open_work_at_80_columns(clean: Any) -> None:
    async with running(clean, "deal-service", "task-service"):
        won, still = await _deal(clean, "Пётр"), await _deal(clean, "Ольга")
        for stage in PICKUP:
            moved = await crm(clean, "deal", "move", won, stage, actor="mgr-1")
            assert moved.exit_code == 0, moved.output

        async def settled() -> list[dict[str, Any]] | None:
            mine = await crm_json(clean, "--as", "mgr-1", "task", "list", "--status", "any")
            closed = [t for t in mine if t["deal_id"] == won and t["status"] == "closed"]
            opened = [t for t in mine if t["deal_id"] == still and t["status"] == "open"]
            done = len(closed) == len(PICKUP) and len(opened) == 1 and len(mine) == 7
            return mine if done else None

        every = await eventually(settled)
        closed = [t["id"][:8] for t in every if t["deal_id"] == won]
        [open_task] = [t["id"][:8] for t in every if t["deal_id"] == still]

        listed = await crm_at(clean, 80, "task", "list", "--mine", actor="mgr-1")
        assert listed.exit_code == 0, listed.output
        lines = _table_fits(listed.stdout, 80)
        for header in ("№", "стадия", "задача", "срок", "статус"):
            assert f" {header} " in lines[1], listed.stdout
        assert " ответственный " not in lines[1]  # --mine: every one is the reader's
        assert open_task in listed.stdout and "открыта" in listed.stdout
        assert not any(i in listed.stdout for i in closed), listed.stdout
        assert "1 открытая задача" in listed.stderr

        for status, said in (("any", "7 задач"), ("closed", "6 закрытых задач")):
            shown = await crm_at(
                clean, 80, "task", "list", "--mine", "--status", status, actor="mgr-1"
            )
            assert shown.exit_code == 0, shown.output
            lines = _table_fits(shown.stdout, 80)
            assert " статус " in lines[1], shown.stdout
            assert all(i in shown.stdout for i in closed), shown.stdout
            assert shown.stdout.count("закрыта:") == len(closed), shown.stdout  # each row
            assert said in shown.stderr
        wrong = await crm(clean, "task", "list", "--status", "done")
        assert wrong.exit_code == 2 and "any (все)" in wrong.stderr, wrong.output

        card = await crm_at(clean, 80, "deal", "show", won[:8])
        assert card.exit_code == 0, card.output
        lines = _table_fits(card.stdout, 80)
        assert any(" статус " in line for line in lines), card.stdout
        assert "Задачи (открытых: 0, закрытых: 6)" in card.stdout, card.stdout
        assert card.stdout.count("закрыта:") == len(closed), card.stdout
        assert "открыта" not in card.stdout
