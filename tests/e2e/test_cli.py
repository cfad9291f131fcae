"""`crm`, the command line, against the running services (real NATS and PostgreSQL).

The CLI runs in-process through typer's CliRunner, in a worker thread: it calls asyncio.run
itself, while the services run on the test's event loop. One CLI invocation at a time (the
runner swaps sys.stdout); events for `events tail` come from the test's own client.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.cli_support import crm, crm_at, crm_json, fits
from tests.services import running
from tests.support import Client, eventually


async def test_a_deal_from_lead_to_report(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service", "task-service"):
        added = await crm(
            clean, "lead", "add", "--name", "Пётр", "--phone", "+7 912 345-67-89",
            "--requirements", "20 коробок", "--external-id", "form-1017",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        found = re.search(
            r"лид form-1017 → сделка (\S+) «Новый лид», ответственный (\S+)", added.stdout
        )
        assert found, added.output
        deal_id, manager = found.groups()

        listed = await crm(clean, "deal", "list")
        assert (
            listed.exit_code == 0 and deal_id[:8] in listed.stdout and "Новый лид" in listed.stdout
        )
        assert deal_id not in listed.stdout  # a short id; --json keeps the whole one

        refused = await crm(clean, "deal", "move", deal_id, "OFFER_MADE", actor=manager)
        assert refused.exit_code == 1
        assert "не переведена в «Сделали предложение»" in refused.stderr
        assert "обязательные поля: Сумма, Предмет сделки, Способ доставки" in refused.stderr

        updated = await crm(
            clean, "deal", "update", deal_id, "--amount", "15000.00", "--subject", "Кирпич",
            "--delivery", "pickup", actor=manager,
        )  # fmt: skip
        assert updated.exit_code == 0, updated.output
        # «изменено: …», a list: «изменено Требования» did not agree (a walkthrough)
        assert "изменено: Сумма, Предмет сделки, Способ доставки" in updated.stdout

        moved = await crm(clean, "deal", "move", deal_id, "сделали предложение", actor=manager)
        assert moved.exit_code == 0, moved.output
        assert "→ «Сделали предложение» (OFFER_MADE, версия 3)" in moved.stdout

        async def offer_task() -> Any:
            tasks = await crm_json(clean, "task", "list", "--deal", deal_id, "--status", "open")
            return next((t for t in tasks if t["stage"] == "OFFER_MADE"), None)

        task = await eventually(offer_task)
        shown = await crm(clean, "task", "list", "--deal", deal_id)
        assert (
            "Пётр. Получить ответ на КП" in shown.stdout and "Сделали предложение" in shown.stdout
        )

        done = await crm(clean, "task", "complete", task["id"], actor=manager)
        assert done.exit_code == 0, done.output
        assert f"задача {task['id']} закрыта: выполнена" in done.stdout
        again = await crm(clean, "task", "complete", task["id"], actor=manager)
        assert again.exit_code == 1 and "Задача уже закрыта." in again.stderr

        report = await crm(clean, "report", "funnel", "--from", "2020-01-01", "--to", "2100-01-01")
        assert report.exit_code == 0, report.output
        for text in ("Создано сделок: 1", "Конверсия по стадиям", "Доля сделок, дошедших"):
            assert text in report.stdout
        bar = r"Сделали предложение\s+█{40} 100,0\u00a0% \(1\)"  # «100,0 %»: Russian
        assert re.search(bar, report.stdout), report.stdout
        assert re.search(r"Получили ответ\s+░{40}\s+0,0\u00a0% \(0\)", report.stdout)
        data = await crm_json(
            clean, "report", "funnel", "--from", "2020-01-01", "--to", "2100-01-01"
        )
        reached = {s["code"]: s["reached"] for s in data["stages"] if s["reached"]}
        assert reached == {"NEW_LEAD": 1, "OFFER_MADE": 1}

        shown_deal = await crm(clean, "deal", "show", deal_id)
        assert "Сделали предложение (OFFER_MADE)" in shown_deal.stdout
        card = shown_deal.stdout
        assert "15\u00a0000\u00a0₽" in card and "закрыта: выполнена" in card

        await tail_sees_updates(clean, client, deal_id, manager)


async def tail_sees_updates(infra: Any, client: Client, deal_id: str, manager: str) -> None:
    """`events tail --subject ... --count 2` prints two readable lines, then stops."""
    tail = asyncio.create_task(
        crm(infra, "events", "tail", "--subject", "crm.deal.updated", "--count", "2",
            "--timeout", "30")
    )  # fmt: skip
    n = 0
    while not tail.done():  # the tail subscribes at some point: keep changing until it saw two
        n += 1
        reply = await client.cmd(
            "deal.update", actor_id=manager, deal_id=deal_id, fields={"title": f"Кирпич {n}"}
        )
        assert reply["ok"], reply
        await asyncio.sleep(0.2)
    result = await tail
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2, result.stdout
    assert all("crm.deal.updated" in line and f"{deal_id} версия" in line for line in lines)
    assert all(line.endswith(": Название") for line in lines)
    assert "сообщений: 2" in result.stderr


async def test_many_leads_and_paging(clean: Any) -> None:
    async with running(clean, "deal-service"):
        added = await crm(clean, "lead", "add", "--name", "Оля", "--count", "12")
        assert added.exit_code == 0, added.output
        assert "12 из 12 лидов стали сделками" in added.stdout
        listed = await crm_json(clean, "deal", "list", "--all")
        assert len(listed) == 12
        page = await crm(clean, "deal", "list", "--limit", "5")
        assert "5 сделок" in page.stderr
        # At 40 columns the deals made drop their responsible; --wide keeps every column.
        for wide, shown in (([], False), (["--wide"], True)):
            made = await crm_at(clean, 40, *wide, "lead", "add", "--name", "Оля", "--count", "2")
            assert made.exit_code == 0, made.output
            assert (" ответственный " in made.stdout) is shown, made.stdout


async def test_what_goes_wrong_is_said(clean: Any) -> None:
    down = await crm(clean, "--nats", "nats://127.0.0.1:1", "deal", "list")
    assert down.exit_code == 3 and "Нет связи с NATS (nats://127.0.0.1:1)" in down.stderr
    # The server is there but takes no one without credentials (issue 23).
    bare = clean.stack.nats.address
    refused = await crm(clean, "--nats", bare, "deal", "list")
    assert refused.exit_code == 3 and "не принял пользователя и пароль" in refused.stderr
    async with running(clean, "deal-service"):
        anonymous = await crm(clean, "deal", "move", "x", "WON", actor=None)
        assert anonymous.exit_code == 2 and "--as ПОЛЬЗОВАТЕЛЬ" in anonymous.stderr
        unscoped = await crm(clean, "deal", "list", actor=None)
        assert unscoped.exit_code == 2 and "запросы показывают то, что ему видно" in (
            unscoped.stderr
        )
        missing = await crm(clean, "deal", "show", "no-such-deal")
        assert missing.exit_code == 1 and "not_found" in missing.stderr
        bad = await crm(clean, "report", "funnel", "--from", "вчера", "--to", "2026-01-01")
        said = "Начало периода: нужна дата (ГГГГ-ММ-ДД) или время RFC 3339"
        assert bad.exit_code == 1 and said in bad.stderr, bad.stderr
    nobody = await crm(clean, "task", "list")
    assert nobody.exit_code == 3 and "Никто не отвечает: запущен ли task-service" in nobody.stderr


async def test_short_ids_prefixes_and_tables_that_fit(clean: Any) -> None:
    async with running(clean, "deal-service", "task-service"):
        added = await crm(
            clean,
            "lead",
            "add",
            "--name",
            "Оля Сидорова",
            "--requirements",
            "кирпич",
            "--count",
            "20",
        )
        assert added.exit_code == 0, added.output
        deals = await crm_json(clean, "deal", "list", "--all")
        assert all(len(d["id"]) == 36 for d in deals)  # --json keeps whole ids
        for listed in await fits(
            clean, ("№", "стадия", "контакт", "сумма"), "deal", "list", "--all"
        ):
            assert "Сидорова" in listed.split()  # words whole, never letters
            assert all(d["id"][:8] in listed and d["id"] not in listed for d in deals)
        wide = await crm_at(clean, 80, "--wide", "deal", "list")
        assert " создана " in wide.stdout.splitlines()[1]
        # --wide after the command as before it (`crm task list --wide` was «Нет такого
        # параметра: --wide»), on every command that prints a table
        after = await crm_at(clean, 80, "deal", "list", "--wide")
        assert after.exit_code == 0 and after.stdout == wide.stdout, after.output

        # 20 ids over 16 hex digits: some first character starts two of them.
        firsts = [d["id"][0] for d in deals]
        shared = next(c for c in firsts if firsts.count(c) > 1)
        ambiguous = await crm(clean, "deal", "show", shared)
        assert ambiguous.exit_code == 1 and "подходит нескольким" in ambiguous.stderr
        # The error names up to five candidates (crm_cli.ids._SHOWN), then "…".
        assert sum(d["id"] in ambiguous.stderr for d in deals) == min(firsts.count(shared), 5)

        deal, manager = deals[0]["id"], deals[0]["responsible_id"]
        moved = await crm(clean, "deal", "move", deal[:8], "PROCESSING", actor=manager)
        assert moved.exit_code == 0, moved.output
        assert f"{deal} → «Обрабатываем запрос»" in moved.stdout
        unknown = await crm(clean, "deal", "show", "ffffffff-ffff")
        assert unknown.exit_code == 1 and "Нет сделки с id, который начинается на" in unknown.stderr

        async def processing_task() -> Any:
            tasks = await crm_json(clean, "task", "list", "--deal", deal[:8], "--status", "open")
            return next((t for t in tasks if t["stage"] == "PROCESSING"), None)

        task = await eventually(processing_task)
        done = await crm(clean, "task", "complete", task["id"][:8], actor=manager)
        assert done.exit_code == 0, done.output
        assert f"задача {task['id']} закрыта: выполнена" in done.stdout

        headers = ("№", "стадия", "задача", "срок", "статус")
        for listed in await fits(clean, headers, "task", "list", "--all", "--status", "any"):
            assert task["id"][:8] in listed and task["id"] not in listed
            assert "Сидорова." in listed.split()  # «Оля Сидорова. Взять в работу …»
        shown = await crm_at(clean, 80, "--wide", "deal", "show", deal[:8])
        assert " статус " in shown.stdout and "закрыта: выполнена" in shown.stdout, shown.stdout
        for command in (("deal", "show", deal[:8]), ("task", "list", "--status", "any")):
            wide_after = await crm_at(clean, 80, *command, "--wide")
            assert wide_after.exit_code == 0, wide_after.output
            assert " статус " in wide_after.stdout and " сделка " in wide_after.stdout


async def test_a_manager_opens_a_deal_logs_attempts_and_asks_the_rop(clean: Any) -> None:
    """`deal create` (new contact, then an existing one), `deal contact-attempt`, `deal show`
    with the lead's comment and the attempts, and refusals that say what stands in the way."""
    async with running(clean, "deal-service"):
        made = await crm_json(
            clean, "--as", "mgr-1", "deal", "create", "--name", "Ольга", "--phone",
            "+7 912 111-22-33", "--title", "Кирпич", "--requirements", "2 поддона",
        )  # fmt: skip
        deal = made["deal"]
        assert deal["responsible_id"] == "mgr-1" and deal["rop_id"] == "rop-1"
        # Another manager's client is not theirs to reach (access: own, docs/decisions.md).
        theirs = await crm(
            clean, "deal", "create", "--contact-id", deal["contact"]["id"], actor="mgr-2"
        )
        assert theirs.exit_code == 1 and "Контакт не найден." in theirs.stderr, theirs.output
        again = await crm(
            clean, "deal", "create", "--contact-id", deal["contact"]["id"], actor="mgr-1"
        )
        assert again.exit_code == 0, again.output
        assert "ответственный mgr-1, контакт Ольга" in again.stdout

        for note in ("не берёт трубку", "сбрасывает", "недоступен"):  # by the short id shown
            logged = await crm(clean, "deal", "contact-attempt", deal["id"][:8], "--note", note,
                               actor="mgr-1")  # fmt: skip
            assert logged.exit_code == 0, logged.output
        assert "попыток связаться на стадии «Новый лид»: 3" in logged.stdout
        shown = await crm(clean, "deal", "show", deal["id"])
        assert "Попытки связаться на стадии «Новый лид»: 3" in shown.stdout
        # the client's phone as people read it, not as kept (+79121112233)
        assert "Ольга, +7 912 111-22-33" in shown.stdout, shown.stdout
        assert "сбрасывает" in shown.stdout

        asks = await crm(clean, "deal", "move", deal["id"], "LOST_NO_CONTACT", actor="mgr-1")
        assert asks.exit_code == 1 and "rop_approval_required" in asks.stderr
        assert "можно только с согласия РОП" in asks.stderr
        agreed = await crm(clean, "deal", "move", deal["id"], "LOST_NO_CONTACT", actor="rop-1")
        assert agreed.exit_code == 0, agreed.output

        ext = "form-77"
        lead = await crm(clean, "lead", "add", "--name", "Ян", "--comment", "Звонить вечером",
                         "--requirements", "r", "--external-id", ext)  # fmt: skip
        assert lead.exit_code == 0, lead.output
        found = re.search(r"→ сделка (\S+) .*, ответственный (\S+)", lead.stdout)
        assert found, lead.output
        lead_deal, responsible = found.groups()  # round robin: the lead's manager works it
        shown = await crm(clean, "deal", "show", lead_deal)
        assert "Комментарий лида" in shown.stdout and "Звонить вечером" in shown.stdout
        moved = await crm(clean, "deal", "move", lead_deal, "PROCESSING", actor=responsible)
        assert moved.exit_code == 0, moved.output
        emptied = await crm(clean, "deal", "update", lead_deal, "--set", "requirements=",
                            actor=responsible)  # fmt: skip
        assert emptied.exit_code == 1
        assert "нельзя очистить поля: Требования" in emptied.stderr
