"""Finding a client and the deal card with its story, at a million deals and contacts
(issue 22): `SearchDeals` p95 over a mix of what callers give (a phone in its caller-id
forms, its last 4 or 7 digits, an e-mail, a full name, a company), and the deal card's page
(the deal, its tasks, its history and the merged timeline) p95 through the gateway.

Everything is generated in SQL (generate_series) straight into deal-service's and
task-service's tables, as the funnel bench does: a million contacts (names from 30 first
names × 160 surnames, a woman's in her form, so a full name is shared by ~200 people), a
million deals each with its contact, a company and its creation in the stage history, a
journal entry on every tenth; and for the sampled deals a real story: moves, notes, field
changes, contact attempts, tasks with comments and a moved deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
import nats

from bench import board
from bench.board import PASSWORD
from bench.load import percentile
from bench.procs import NatsAs, Service, create_database, service_env
from bench.report import Report
from crm_shared.contracts.deal import SearchDeals
from crm_shared.devstack import DevStack, free_port
from crm_shared.machinery.db import asyncpg_dsn

Starter = Callable[[list[str], dict[str, str], str, NatsAs], Awaitable[dict[str, Service]]]
TARGET_SEARCH_MS, TARGET_CARD_MS = 50.0, 300.0

SEARCH = SearchDeals.SUBJECT
SAMPLED = 200
"""Deals with a whole story (the cards timed)."""

_FIRST = "'Иван','Пётр','Сергей','Андрей','Алексей','Дмитрий','Михаил','Николай','Олег','Павел',\
'Роман','Юрий','Егор','Илья','Максим','Анна','Мария','Ольга','Елена','Наталья','Ирина',\
'Татьяна','Светлана','Юлия','Ксения','Дарья','Алина','Вера','Галина','Нина'"
_ROOT = "'Иван','Петр','Сидор','Кузнец','Смирн','Волк','Мороз','Лебед','Козл','Новик','Соколь',\
'Попов','Зайц','Павл','Семён','Голуб','Виногра','Богда','Воробь','Фёдор'"
_SUFFIX = "'ов','ин','ев','енко','ский','ук','ых','ян'"
_COMPANY = "'Ромашка','Стройка','Вектор','Альфа','Гранит','Кирпич','Сфера','Мост','Импульс','Лидер'"

# Search's indexes: dropped before the rows go in and built once after (not row by row),
# each as the migrations made it (its definition read back from the database).
_INDEXES = (
    "contacts_phone_trgm",
    "contacts_name_trgm",
    "deals_title_trgm",
    "deals_company_trgm",
    "contacts_name_words",
    "deals_title_words",
    "deals_company_words",
)
_GENERATE = f"""
INSERT INTO deal.contacts (id, name, phone, phone_norm, email, email_norm, created_at)
SELECT 'fc-' || g,
       (ARRAY[{_FIRST}])[1 + g % 30] || ' ' || (ARRAY[{_ROOT}])[1 + (g / 30) % 20]
         || (ARRAY[{_SUFFIX}])[1 + (g / 600) % 8]
         || CASE WHEN g % 30 >= 15 AND (g / 600) % 8 IN (0, 1, 2) THEN 'а' ELSE '' END,
       '+7 912 ' || lpad(g::text, 7, '0'), '+7912' || lpad(g::text, 7, '0'),
       'client' || g || '@example.ru', 'client' || g || '@example.ru',
       now() - make_interval(secs => g)
FROM generate_series(1, $1::int) AS g;
INSERT INTO deal.deals (id, version, stage, title, currency, contact_id, company,
                        responsible_id, rop_id, source, external_id, created_at, updated_at)
SELECT 'sd-' || g, 1,
       (ARRAY['NEW_LEAD', 'PROCESSING', 'OFFER_MADE', 'ANSWER_RECEIVED'])[1 + g % 4],
       'Поставка ' || (ARRAY['кирпича','бетона','окон','дверей','кровли'])[1 + g % 5] || ' №' || g,
       'RUB', 'fc-' || g,
       'ООО «' || (ARRAY[{_COMPANY}])[1 + g % 10] || '-' || (g % 5000) || '»',
       'mgr-' || (1 + g % 2), 'rop-1', 'find-bench', 'sd-' || g,
       now() - make_interval(secs => g), now() - make_interval(secs => g)
FROM generate_series(1, $1::int) AS g;
INSERT INTO deal.stage_history (deal_id, from_stage, to_stage, version, actor_id, at)
SELECT 'sd-' || g, NULL,
       (ARRAY['NEW_LEAD', 'PROCESSING', 'OFFER_MADE', 'ANSWER_RECEIVED'])[1 + g % 4], 1,
       'mgr-1', now() - make_interval(secs => g)
FROM generate_series(1, $1::int) AS g;
INSERT INTO deal.journal (deal_id, at, kind, actor_id, data)
SELECT 'sd-' || g, now() - make_interval(secs => g) + interval '1 hour', 'note', 'mgr-1',
       jsonb_build_object('text', 'Клиент просил перезвонить')
FROM generate_series(10, $1::int, 10) AS g
"""
# The sampled deals (sd-1 … sd-SAMPLED): 4 moves, 20 notes and changes, 5 attempts, 5 tasks
# with 3 comments each and a moved deadline.
_STORY = f"""
INSERT INTO deal.stage_history (deal_id, from_stage, to_stage, version, actor_id, at)
SELECT 'sd-' || g, 'NEW_LEAD', 'PROCESSING', 1 + s, 'mgr-1', now() - make_interval(mins => s)
FROM generate_series(1, {SAMPLED}) AS g, generate_series(1, 4) AS s;
INSERT INTO deal.journal (deal_id, at, kind, actor_id, data)
SELECT 'sd-' || g, now() - make_interval(mins => 10 + s), 'field_changed', 'mgr-1',
       jsonb_build_object('changes', jsonb_build_array(jsonb_build_object(
         'field', 'amount', 'from', (s * 100)::text, 'to', (s * 100 + 50)::text)))
FROM generate_series(1, {SAMPLED}) AS g, generate_series(1, 20) AS s;
INSERT INTO deal.contact_attempts (deal_id, actor_id, note, at, stage)
SELECT 'sd-' || g, 'mgr-1', 'не берёт', now() - make_interval(mins => 40 + s), 'PROCESSING'
FROM generate_series(1, {SAMPLED}) AS g, generate_series(1, 5) AS s;
INSERT INTO task.deal_state (deal_id, version, stage, responsible_id, rop_id)
SELECT 'sd-' || g, 5, 'PROCESSING', 'mgr-' || (1 + g % 2), 'rop-1'
FROM generate_series(1, {SAMPLED}) AS g;
INSERT INTO task.tasks (id, deal_id, stage, title, creator_id, responsible_id, deadline,
                        opened_at, deal_version, status, kind, comments, reschedules)
SELECT 'ft-' || g || '-' || s, 'sd-' || g, NULL, 'Перезвонить ' || s, 'mgr-1',
       'mgr-' || (1 + g % 2), now() + interval '1 day', now() - make_interval(hours => s), 1,
       'open', 'own',
       (SELECT jsonb_agg(jsonb_build_object('author_id', 'rop-1', 'text', 'почему?',
                                            'at', now() - make_interval(mins => c)))
        FROM generate_series(1, 3) AS c),
       jsonb_build_array(jsonb_build_object('actor_id', 'mgr-1', 'from_deadline', now(),
         'to_deadline', now() + interval '1 day', 'reason', 'клиент в отпуске', 'at', now()))
FROM generate_series(1, {SAMPLED}) AS g, generate_series(1, 5) AS s;
VACUUM (ANALYZE) deal.contacts;
VACUUM (ANALYZE) deal.deals;
VACUUM (ANALYZE) deal.stage_history;
VACUUM (ANALYZE) deal.journal;
VACUUM (ANALYZE) deal.contact_attempts;
VACUUM (ANALYZE) task.tasks
"""


@dataclass
class FindTiming:
    """Milliseconds of each search and each card, in order, and what the searches found."""

    deals: int
    generate_seconds: float = 0.0
    search_ms: list[float] = field(default_factory=list)
    card_ms: list[float] = field(default_factory=list)
    found: dict[str, int] = field(default_factory=dict)

    def p95(self, name: str) -> float | None:
        """The 95th percentile of one series (None when it was not measured)."""
        values: list[float] = getattr(self, name)
        return percentile(sorted(values), 95) if values else None


async def generate(database_url: str, deals: int, timing: FindTiming) -> None:
    """`deals` contacts and deals, and the sampled deals' stories."""
    start = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        made = await conn.fetch(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'deal' AND indexname = ANY($1)",
            list(_INDEXES),
        )
        assert len(made) == len(_INDEXES), f"search's indexes are not as expected: {made}"
        await conn.execute(";".join(f"DROP INDEX deal.{name}" for name in _INDEXES))
        for statement in filter(str.strip, _GENERATE.split(";")):
            await conn.execute(statement, deals)
        for row in made:
            await conn.execute(row["indexdef"])
        for statement in filter(str.strip, _STORY.split(";")):
            await conn.execute(statement)
    finally:
        await conn.close()
    timing.generate_seconds = time.perf_counter() - start


def queries(deals: int, rounds: int) -> list[tuple[str, str]]:
    """(kind, text) of what callers give, spread over the table."""
    out: list[tuple[str, str]] = []
    for i in range(rounds):
        g = 1 + (i * 7919) % deals
        number = f"{g:07d}"
        out += [
            ("phone", f"8 912 {number[:3]} {number[3:5]} {number[5:]}"),
            ("phone", f"+7 (912) {number[:3]}-{number[3:5]}-{number[5:]}"),
            ("phone_end", f"{number[3:5]}-{number[5:]}"),  # the last digits a client says
            ("phone_end", f"{number[:3]}-{number[3:5]}-{number[5:]}"),
            ("email", f"Client{g}@example.ru"),
            ("name", ["Ольга Смирнова", "Иван Петров", "Нина Волкова"][i % 3]),
            ("company", f"Ромашка-{g % 5000}"),
        ]
    return out


async def searches(nats_url: str, deals: int, timing: FindTiming, rounds: int) -> None:
    """The mix, as the РОП (everyone's deals) and as a manager (their own), one at a time."""
    nc = await nats.connect(nats_url)
    try:
        for n, (kind, text) in enumerate(queries(deals, rounds + 2)):
            actor = "rop-1" if n % 2 else "mgr-1"
            body = json.dumps({"actor_id": actor, "q": text, "limit": 20}).encode()
            start = time.perf_counter()
            reply = json.loads((await nc.request(SEARCH, body, timeout=30)).data)
            took = (time.perf_counter() - start) * 1000
            if not reply.get("ok"):
                raise RuntimeError(f"search {text!r} refused: {reply}")
            if n >= 10:  # warm-up: the first plans and connections
                timing.search_ms.append(took)
                timing.found[kind] = timing.found.get(kind, 0) + len(reply["deals"])
    finally:
        await nc.close()


async def cards(url: str, timing: FindTiming, rounds: int) -> None:
    """The РОП opens the sampled deals' cards (deal, tasks, history, merged timeline)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        signed = await http.post("/api/session", json={"user_id": "rop-1", "password": PASSWORD})
        signed.raise_for_status()
        for i in range(rounds + 3):
            start = time.perf_counter()
            reply = await http.get(f"/deals/sd-{1 + i % SAMPLED}")
            took = (time.perf_counter() - start) * 1000
            reply.raise_for_status()
            if "Лента сделки" not in reply.text:
                raise RuntimeError("the card has no timeline")
            if i >= 3:
                timing.card_ms.append(took)


async def run(
    report: Report, args: argparse.Namespace, stack: DevStack, start_services: Starter
) -> None:
    """Issue 22 over `--find-deals` deals and contacts: the search and the deal card."""
    db = await create_database(stack.database_url, "bench_find")
    port = free_port()
    env = service_env(stack.nats_url, db, CRM_GATEWAY_PORT=str(port))
    names = ["deal-service", "task-service", "gateway"]
    svc = await start_services(names, env, "-find", stack.nats_url_as)
    timing = FindTiming(args.find_deals)
    try:
        print(f"  generating {args.find_deals:,} deals and contacts with stories...", flush=True)
        await generate(db, args.find_deals, timing)
        print(f"  generated in {timing.generate_seconds:.0f} s", flush=True)
        await asyncio.to_thread(board.set_password, {**os.environ, **env}, "rop-1")
        await searches(stack.nats_url, args.find_deals, timing, rounds=60)
        await cards(f"http://127.0.0.1:{port}", timing, rounds=200)
    finally:
        for s in svc.values():
            s.stop()
    report.details["find"] = timing.__dict__
    n = f"{args.find_deals:,}"
    found = ", ".join(f"{k} {v}" for k, v in timing.found.items())
    report.add(f"Search (phone, e-mail, name, company), {n} deals and contacts, p95",
               timing.p95("search_ms"), "ms", below=TARGET_SEARCH_MS,
               note=f"deals found: {found}")  # fmt: skip
    report.add(f"Deal card with its timeline, {n} deals, p95", timing.p95("card_ms"), "ms",
               below=TARGET_CARD_MS)  # fmt: skip
