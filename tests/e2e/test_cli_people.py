"""`crm task show / comment`, `crm inbox`, `crm inbox read` and `crm report period`, against
the running services (see tests/e2e/test_cli.py for how the CLI runs in-process)."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import insert_fixture
from tests.cli_support import crm, crm_json, fits
from tests.services import running
from tests.support import Client, eventually


async def test_task_show_comment_and_inbox(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service", "task-service", "notifier"):
        made = await client.cmd(
            "deal.create",
            actor_id="rop-1",
            title="Кирпич для дачи",
            contact={"name": "Пётр"},
            responsible_id="mgr-1",
        )
        assert made["ok"], made
        deal_id = made["deal"]["id"]
        tasks = await eventually(lambda: crm_json(clean, "task", "list", "--deal", deal_id[:8]))
        task_id = tasks[0]["id"]

        commented = await crm(
            clean, "task", "comment", task_id[:8], "Клиент перезвонит завтра", actor="mgr-1"
        )
        assert commented.exit_code == 0, commented.output
        assert "комментарий 1 к задаче" in commented.stdout
        shown = await crm(clean, "task", "show", task_id[:8])
        assert shown.exit_code == 0, shown.output
        for part in (
            "Взять в работу новый лид",
            "Описание",
            "Комментарии (1)",
            "mgr-1: Клиент перезвонит завтра",
            "Кирпич для дачи (Пётр)",
        ):
            assert part in shown.stdout, shown.stdout
        # mgr-2 does not see mgr-1's task: not by a prefix (the scoped list has no such
        # task), and by its whole id the service refuses.
        hidden = await crm(clean, "task", "comment", task_id[:8], "?", actor="mgr-2")
        assert hidden.exit_code == 1 and "Нет задачи с id, который начинается на" in hidden.stderr
        refused = await crm(clean, "task", "comment", task_id, "?", actor="mgr-2")
        assert refused.exit_code == 1 and "forbidden" in refused.stderr

        # The new task reached mgr-1's inbox, whoever listened.
        listed = await eventually(lambda: _with_items(crm_json(clean, "--as", "mgr-1", "inbox")))
        assert listed["unread"] == 1 and listed["items"][0]["kind"] == "task_assigned"
        table = await crm(clean, "inbox", actor="mgr-1")
        assert table.exit_code == 0 and "новая задача" in table.stdout
        assert "«Кирпич для дачи» (Пётр)" in table.stdout and "непрочитанных: 1" in table.stderr
        read = await crm(clean, "inbox", "read", listed["items"][0]["id"][:8], actor="mgr-1")
        assert read.exit_code == 0 and "прочитано: 1 уведомление" in read.stdout
        again = await crm(clean, "inbox", "read", "--all", actor="mgr-1")
        assert again.exit_code == 0 and "прочитано: 0 уведомлений" in again.stdout
        bad = await crm(clean, "inbox", "read", actor="mgr-1")
        assert bad.exit_code == 2


async def _with_items(reply: Any) -> Any:
    value = await reply
    return value if value["items"] else None


async def test_report_period_and_funnel_views(clean: Any) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await insert_fixture(conn)
        comment = {"author_id": "mgr-2", "text": "Клиент в отпуске", "at": "2026-01-21T10:00:00Z"}
        await conn.execute(
            "UPDATE task.tasks SET comments = jsonb_build_array($1::jsonb) WHERE id = 't3'",
            json.dumps(comment),
        )
    finally:
        await conn.close()
    async with running(clean, "deal-service", "task-service"):
        period = await crm(clean, "report", "period", "--from", "2026-01-01", "--to", "2026-02-01")
        funnel = await crm(clean, "report", "funnel", "--from", "2026-01-01", "--to", "2026-02-01")
    assert period.exit_code == 0, period.output
    for part in (
        "Продажи за период 01.01.2026 … 31.01.2026",  # the reader's days (Moscow)
        "Выиграно за период: 4 на сумму 18\u00a0277,25\u00a0₽ + 5\u00a0000,50\u00a0$",
        "По менеджерам",
        "Иван Иванов",
        "По источникам лидов",
        "телефон",  # the lead source `phone`, as people say it
        "открыты",
    ):
        assert part in period.stdout, period.stdout
    assert funnel.exit_code == 0 and "Воронка продаж" in funnel.stdout
    assert "Причины просрочек" in funnel.stdout and "mgr-2: Клиент в отпуске" in funnel.stdout
    assert "открыты" in funnel.stdout


async def test_inbox_ids_by_prefix_however_old_and_tables_that_fit(clean: Any) -> None:
    """`crm inbox read` finds a notification by a prefix among all of the user's (not only the
    latest 500); an ambiguous prefix is refused, naming the candidates; `crm inbox` fits 80
    and 200 columns."""
    old = "0b5e1e7e-0000-4000-8000-000000000000"
    twins = ["abcdef01-1111-4000-8000-000000000001", "abcdef01-2222-4000-8000-000000000002"]
    newer = [f"{i:08x}-ffff-4fff-8fff-ffffffffffff" for i in range(1, 601)]
    async with running(clean, "notifier"):
        conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
        try:
            await conn.execute(  # inserted in this order: `old` has the lowest seq
                """INSERT INTO notifier.notifications (id, user_id, kind, text, deal_id)
                   SELECT id, 'rop-1', 'task_overdue', 'Задача «Позвонить клиенту» просрочена',
                          'd-1'
                   FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n""",
                [old, *twins, *newer],
            )
        finally:
            await conn.close()

        for listed in await fits(clean, ("№", "когда", "вид", "текст"), "inbox"):
            assert newer[-1][:8] in listed and newer[-1] not in listed
            assert "просрочена" in listed.split()
        read = await crm(clean, "inbox", "read", old[:8])
        assert read.exit_code == 0, read.output
        assert "прочитано: 1 уведомление" in read.stdout
        ambiguous = await crm(clean, "inbox", "read", "abcdef01")
        assert ambiguous.exit_code == 1 and "подходит нескольким" in ambiguous.stderr
        assert all(twin in ambiguous.stderr for twin in twins), ambiguous.stderr
        one = await crm(clean, "inbox", "read", "abcdef01-1")
        assert one.exit_code == 0 and "прочитано: 1 уведомление" in one.stdout
        theirs = await crm(clean, "inbox", "read", old[:8], actor="mgr-1")
        assert (
            theirs.exit_code == 1 and "Нет уведомления с id, который начинается на" in theirs.stderr
        )
