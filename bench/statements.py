"""Where PostgreSQL's time per lead goes, statement by statement (issue 25's next step).

`python -m bench.statements --load paced|http|bus --seconds N [--set NAME=VALUE]` starts
fresh embedded servers with `pg_stat_statements` loaded (planning tracked too) and the
four services as `make bench` runs them, warms them up, then drives one load: `paced`,
leads over the bus at 200 a second (the latency phase), `http`, 12 `POST /api/leads`
in flight, or `bus`, `--leads` over the bus as fast as acks allow (saturation). It prints
the statements run per lead and, for each statement, its calls, plans, execution and
planning time and the WAL it wrote per lead, the dearest first. Execution time includes
waits (locks, I/O): read it beside the PostgreSQL row of `bench.cpu_probe` (CPU only).
`--set` tries a server setting (with `auto_explain`, the plans go to the servers' pg.log).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import asyncpg

from bench import cpu, e2e, inflight, stack
from bench.procs import ROOT
from crm_shared.devstack import DevStack
from crm_shared.machinery.db import asyncpg_dsn

DATA = ROOT / ".crm-data" / "bench-statements"
_READ = """SELECT calls, plans, total_exec_time AS exec, total_plan_time AS plan, query,
                  wal_bytes, wal_fpi
           FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC"""


async def _leads(args: argparse.Namespace, up: stack.Running) -> int:
    """Drive the load; how many leads it made."""
    nats_url = up.stack.nats_url
    if args.load == "paced":
        lat = await e2e.latency(nats_url, run="p", seconds=args.seconds, offset=10**6)
        return lat.sent + 400  # the latency phase's warm-up leads count too
    if args.load == "bus":
        await e2e.throughput(nats_url, args.leads, run="s")
        return args.leads
    token = await asyncio.to_thread(up.token, "statements")
    meter = cpu.Meter(cpu.stack_pids(up.services, up.servers))
    request = inflight.lead_request(up.port, token, "s")
    http = await inflight.in_flight(
        nats_url, up.port, request, meter, "12 in flight", ok=202, seconds=args.seconds
    )
    return http.cpu.leads


async def run(args: argparse.Namespace) -> list[str]:
    """Servers (pg_stat_statements loaded), services, warm-up, the load, the table."""

    async def tracked(servers: DevStack) -> None:
        assert servers.postgres is not None
        admin = await asyncpg.connect(asyncpg_dsn(servers.database_url))
        await admin.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        await admin.execute("ALTER SYSTEM SET pg_stat_statements.track_planning = on")
        # A server setting to try: jit=off, shared_preload_libraries=pg_stat_statements,auto_explain
        for setting in args.set:
            name, _, value = setting.partition("=")
            items = ", ".join(f"'{item}'" for item in value.split(","))  # a list: a, b
            await admin.execute(f"ALTER SYSTEM SET {name} = {items}")
        await admin.close()
        servers.postgres.restart()

    async with stack.running("bench-statements", DATA, before=tracked) as up:
        conn = await asyncpg.connect(asyncpg_dsn(up.db))
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
        leads = await _leads(args, up)
        await e2e.quiesce(up.stack.nats_url, up.db)
        rows = await conn.fetch(_READ)
        await conn.close()
    calls = sum(r["calls"] for r in rows)
    spent = sum(r["exec"] + r["plan"] for r in rows)
    wal = sum(int(r["wal_bytes"]) for r in rows)
    fpi = sum(int(r["wal_fpi"]) for r in rows)
    out = [
        f"{args.load}: {leads:,} leads, {calls / leads:.1f} statements a lead, "
        f"{spent / leads * 1000:.0f} µs a lead (execution and planning), "
        f"{wal / leads:,.0f} bytes of WAL a lead ({fpi / leads:.2f} full pages)",
        "| calls/lead | plans/lead | exec µs/lead | plan µs/lead | WAL B/lead | FPI/lead "
        "| statement |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows[: args.top]:
        text = " ".join(r["query"].split())[:100].replace("|", "\\|")
        out.append(
            f"| {r['calls'] / leads:.2f} | {r['plans'] / leads:.2f} | "
            f"{r['exec'] / leads * 1000:.1f} | {r['plan'] / leads * 1000:.1f} | "
            f"{int(r['wal_bytes']) / leads:,.0f} | {int(r['wal_fpi']) / leads:.2f} | `{text}` |"
        )
    return out


def main() -> int:
    """Parse, run, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--load", choices=("paced", "http", "bus"), default="paced")
    parser.add_argument("--leads", type=int, default=20000, help="for --load bus")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--set", action="append", default=[], help="a server setting: NAME=VALUE")
    args = parser.parse_args()
    print("\n".join(asyncio.run(run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
