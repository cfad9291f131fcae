"""The dry run of a rule change over a million history rows (issue 24 §2): `TryRules` with
a stricter configuration replays the last 90 days of stage history, every move checked by
the rules' own code on the deal as it stood; target under 30 s.

Generated in SQL (generate_series) straight into deal-service's tables, as the find bench
does: `deals` deals with a contact, each with its creation and four moves in the last 90
days (five history rows a deal), every field the shipped rules ask filled; on every fifth
deal the subject was filled in only after its first move (a journal field change), which
the stricter configuration (subject asked to leave the new lead) would have refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from importlib import resources

import asyncpg
import nats
import yaml

from bench import cpu
from bench.procs import NatsAs, Service, create_database, service_env
from bench.report import Report
from crm_shared.contracts.deal import TryRules
from crm_shared.devstack import DevStack
from crm_shared.machinery.db import asyncpg_dsn

Starter = Callable[[list[str], dict[str, str], str, NatsAs], Awaitable[dict[str, Service]]]
TARGET_SECONDS = 30.0
PATH = "ARRAY['NEW_LEAD','PROCESSING','OFFER_MADE','ANSWER_RECEIVED','INVOICE_SENT']"

_GENERATE = f"""
INSERT INTO deal.contacts (id, name, phone, phone_norm, created_at)
SELECT 'rc-' || g, 'Клиент ' || g, '+7912' || lpad(g::text, 7, '0'),
       '+7912' || lpad(g::text, 7, '0'), now() - interval '80 days'
FROM generate_series(1, $1::int) AS g;
INSERT INTO deal.deals (id, version, stage, title, amount, currency, contact_id,
                        responsible_id, rop_id, subject, requirements, delivery_method,
                        source, created_at, updated_at)
SELECT 'rd-' || g, 5, 'INVOICE_SENT', 'Поставка №' || g, 15000, 'RUB', 'rc-' || g,
       'mgr-' || (1 + g % 2), 'rop-1', 'Поставка', '10 коробок', 'pickup', 'rules-bench',
       now() - interval '80 days' + make_interval(secs => g), now()
FROM generate_series(1, $1::int) AS g;
INSERT INTO deal.stage_history (deal_id, from_stage, to_stage, version, actor_id, at)
SELECT 'rd-' || g, CASE WHEN s = 0 THEN NULL ELSE ({PATH})[s] END, ({PATH})[s + 1], s + 1,
       'mgr-' || (1 + g % 2),
       now() - interval '80 days' + make_interval(secs => g) + make_interval(days => s * 5)
FROM generate_series(0, 4) AS s, generate_series(1, $1::int) AS g;
INSERT INTO deal.journal (deal_id, at, kind, actor_id, data)
SELECT 'rd-' || g, now() - interval '80 days' + make_interval(secs => g, days => 7),
       'field_changed', 'mgr-1',
       jsonb_build_object('changes', jsonb_build_array(jsonb_build_object(
         'field', 'subject', 'from', NULL, 'to', 'Поставка')))
FROM generate_series(5, $1::int, 5) AS g;
VACUUM (ANALYZE) deal.contacts;
VACUUM (ANALYZE) deal.deals;
VACUUM (ANALYZE) deal.stage_history;
VACUUM (ANALYZE) deal.journal
"""


def stricter() -> str:
    """The shipped configuration, asking Предмет сделки already to leave the new lead."""
    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    data["pipeline"]["rules"]["required_fields"].append(
        {"after": "NEW_LEAD", "fields": ["subject"]}
    )
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def generate(database_url: str, deals: int) -> float:
    """`deals` deals with five history rows each; returns the seconds it took."""
    start = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for statement in filter(str.strip, _GENERATE.split(";")):
            await conn.execute(statement, *([deals] if "$1" in statement else []))
    finally:
        await conn.close()
    took = time.perf_counter() - start
    # Its backend ends after the close: let PostgreSQL reap it (and count its CPU) before the
    # replay's CPU is read, or the generation's minutes land in the replay's row.
    await asyncio.sleep(2)
    return took


async def replay(nats_url: str) -> tuple[float, dict[str, int]]:
    """One `TryRules` over 90 days as the РОП: seconds, and what it counted."""
    nc = await nats.connect(nats_url)
    try:
        query = TryRules(actor_id="rop-1", config=stricter(), since_days=90)
        body = query.model_dump_json().encode()
        start = time.perf_counter()
        reply = json.loads((await nc.request(TryRules.SUBJECT, body, timeout=300)).data)
        took = time.perf_counter() - start
    finally:
        await nc.close()
    if not reply.get("ok"):
        raise RuntimeError(f"rules_try refused: {reply}")
    r = reply["report"]
    return took, {k: r[k] for k in ("moves", "refused", "deals", "stopped")}


async def run(
    report: Report, args: argparse.Namespace, stack: DevStack, start_services: Starter
) -> None:
    """Issue 24 §2 over `--rules-deals` deals (five history rows each)."""
    db = await create_database(stack.database_url, "bench_rules")
    env = service_env(stack.nats_url, db)
    svc = await start_services(["deal-service"], env, "-rules", stack.nats_url_as)
    try:
        rows = args.rules_deals * 5
        print(f"  generating {args.rules_deals:,} deals, {rows:,} history rows...", flush=True)
        generated = await generate(db, args.rules_deals)
        print(f"  generated in {generated:.0f} s", flush=True)
        pg = stack.postgres.pid if stack.postgres is not None else None
        meter = cpu.Meter(cpu.stack_pids(svc, {"PostgreSQL": pg}))
        before, load = meter.reading(), os.getloadavg()[0]
        took, counted = await replay(stack.nats_url)
        after, load = meter.reading(), max(load, os.getloadavg()[0])
    finally:
        for s in svc.values():
            s.stop()
    # The wall time depends on who else runs on the machine; the CPU each side spent less so.
    spent = {name: round(after[name] - before.get(name, 0.0), 1) for name in after}
    report.details["rules_try"] = {
        "generate_seconds": generated, "seconds": took, "cpu_seconds": spent,
        "load_average": load, **counted,
    }  # fmt: skip
    note = ", ".join(f"{k} {v:,}" for k, v in counted.items())
    note += "; CPU " + ", ".join(f"{k} {v} s" for k, v in spent.items())
    note += f"; load average {load:.1f}"
    print(f"  replayed in {took:.1f} s ({note})", flush=True)
    report.add(f"Rules dry run (crm rules try), {rows:,} history rows, 90 days", took, "s",
               below=TARGET_SECONDS, note=note)  # fmt: skip
