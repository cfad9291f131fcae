"""`make bench`: every figure of issue 6 in one run, on this machine's own embedded servers.

Order: the ceilings (nats-py alone, asyncpg alone), then with the three services running
as processes on default NATS settings: full-speed throughput, latency at a steady rate,
resident memory of deal-service and task-service; then the notifier alone for the overdue
lag (100,000 watched tasks) and its memory; the funnel query if deal-service has it; then
NATS again with `sync_interval: always` and the end-to-end figures once more.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench import board, ceilings, door, e2e, find, funnel, overdue, sse
from bench.procs import PACKAGES, ROOT, NatsAs, Service, create_database, service_env
from bench.report import Report, machine_line
from crm_shared.devstack import DevStack, EmbeddedNats, free_port

DATA = ROOT / ".crm-data" / "bench"
RESULTS = ROOT / "bench-results.json"
TARGET_RATE, TARGET_RATE_SYNC = 1_500.0, 600.0
TARGET_P99_MS, TARGET_OVERDUE_MS, TARGET_FUNNEL_MS, TARGET_RSS_MB = 30.0, 1_000.0, 1_000.0, 200.0
TARGET_HTTP_RATE, TARGET_HTTP_P99_MS, TARGET_SSE_P99_MS = 1_000.0, 50.0, 250.0
TARGET_BOARD_MS, TARGET_COLUMN_MS, TARGET_MOVE_MS = 300.0, 100.0, 150.0
PHASES = ("main", "gateway", "board", "find", "sync")


async def start_services(
    names: list[str], env: dict[str, str], tag: str, nats_as: NatsAs
) -> dict[str, Service]:
    """Migrate and start each service as a process, signed in to NATS as its own user
    (`nats_as`); wait until each reports healthy."""
    started = {n: Service(n, env, DATA / "logs", tag=tag, nats_as=nats_as) for n in names}
    for svc in started.values():
        await asyncio.to_thread(svc.migrate)
        svc.start()
    await asyncio.gather(*(svc.wait_healthy() for svc in started.values()))
    return started


async def end_to_end(
    report: Report, nats_url: str, db: str, leads: int, label: str
) -> tuple[float, float]:
    """Throughput and latency on running services; returns (leads/s, p99 ms)."""
    tp = await e2e.throughput(nats_url, leads, run=f"tp-{label}")
    print(f"  [{label}] {leads} leads end to end: {tp.rate:,.0f}/s", flush=True)
    await e2e.quiesce(nats_url, db)
    lat = await e2e.latency(nats_url, run=f"lat-{label}", offset=leads)
    print(f"  [{label}] latency at 200/s: p50 {lat.p50_ms:.1f} ms, p99 {lat.p99_ms:.1f} ms")
    report.details[f"throughput_{label}"] = {**asdict(tp), "rate": tp.rate}
    report.details[f"latency_{label}"] = asdict(lat)
    return tp.rate, lat.p99_ms


async def main_run(report: Report, args: argparse.Namespace, stack: DevStack) -> None:
    """Default NATS: ceilings, end to end, memory, overdue lag, funnel."""
    js_rate = await ceilings.jetstream_publish_rate(stack.nats_url)
    pg_rate = await ceilings.postgres_tx_rate(stack.database_url)
    print(f"  ceilings: JetStream {js_rate:,.0f} msg/s, Postgres {pg_rate:,.0f} tx/s", flush=True)
    report.add("JetStream publish with ack, nats-py alone (default NATS)", js_rate, "msg/s")
    report.add("Postgres 3-insert transaction, asyncpg alone, 1 tx/event", pg_rate, "tx/s")

    db = await create_database(stack.database_url, "bench_default")
    env = service_env(stack.nats_url, db)
    svc = await start_services(list(PACKAGES), env, "-default", stack.nats_url_as)
    try:
        rate, p99 = await end_to_end(report, stack.nats_url, db, args.leads, "default")
        lat = report.details["latency_default"]
        report.add(f"End to end, default NATS ({args.leads:,} leads)", rate, "leads/s",
                   at_least=TARGET_RATE)  # fmt: skip
        report.add("End to end / Postgres 1-tx-per-event ceiling", 100 * rate / pg_rate, "%",
                   at_least=50)  # fmt: skip
        report.add("Lead → task p50 at 200 leads/s", lat["p50_ms"], "ms")
        report.add("Lead → task p99 at 200 leads/s", p99, "ms", below=TARGET_P99_MS)
        rss = {name: s.rss_mb() for name, s in svc.items()}
        for name in ("deal-service", "task-service"):
            svc[name].stop()  # the overdue lag is the notifier's alone
        print(f"  loading {args.watched:,} watched tasks into the notifier...", flush=True)
        lag = await overdue.overdue_lag(stack.nats_url, db, watched=args.watched)
        print(f"  overdue lag p50 {lag.p50_ms:.0f} ms, p99 {lag.p99_ms:.0f} ms", flush=True)
        report.details["overdue"] = asdict(lag)
        note = f"{lag.fired}/{lag.due} fired, {lag.watched:,} watched"
        report.add("Overdue lag p50 (deadline → crm.task.overdue)", lag.p50_ms, "ms", note=note)
        report.add("Overdue lag p99", lag.p99_ms, "ms", below=TARGET_OVERDUE_MS, note=note)
        rss["notifier"] = svc["notifier"].rss_mb()
        svc["notifier"].stop()
        await funnel_figure(report, args, stack, db, env)
        for name, mb in rss.items():
            report.add(f"Resident memory, {name}", mb, "MB", below=TARGET_RSS_MB)
    finally:
        for s in svc.values():
            s.stop()


async def funnel_figure(
    report: Report, args: argparse.Namespace, stack: DevStack, db: str, env: dict[str, str]
) -> None:
    """The funnel query over generated deals, or n/a while deal-service has no handler."""
    nats_url = stack.nats_url
    name = f"Funnel query on {args.deals:,} deals"
    if not funnel.funnel_built():
        report.add(name, None, "ms", note="n/a (not built)")
        return
    print(f"  generating {args.deals:,} deals for the funnel query...", flush=True)
    generated = await funnel.generate(db, args.deals)
    deal = (await start_services(["deal-service"], env, "-funnel", stack.nats_url_as))[
        "deal-service"
    ]
    try:
        timing = await funnel.time_query(nats_url, args.deals, generated)
        period = await funnel.time_query(nats_url, args.deals, generated, funnel.PERIOD_SUBJECT)
    finally:
        deal.stop()
    report.details["funnel"] = asdict(timing)
    report.details["period"] = asdict(period)
    ms = timing.seconds * 1000 if timing.ok else None
    report.add(name, ms, "ms", below=TARGET_FUNNEL_MS, note="" if timing.ok else "refused")
    ms = period.seconds * 1000 if period.ok else None
    report.add(f"Period view query on {args.deals:,} deals", ms, "ms", below=TARGET_FUNNEL_MS,
               note="" if period.ok else "refused")  # fmt: skip


async def gateway_run(report: Report, args: argparse.Namespace, stack: DevStack) -> None:
    """The HTTP door (issue 14): lead intake end to end and at 200/s, the SSE fan-out."""
    db = await create_database(stack.database_url, "bench_gateway")
    port = free_port()
    # One token stands for every SSE follower here; the gateway allows 8 streams per token
    # or user (issue 23), so the limit is raised to the followers' number for this phase.
    streams = str(args.sse_clients)
    env = service_env(
        stack.nats_url, db, CRM_GATEWAY_PORT=str(port), CRM_GATEWAY_SSE_MAX_STREAMS=streams
    )
    svc = await start_services([*PACKAGES, "gateway"], env, "-gateway", stack.nats_url_as)
    try:
        token = await asyncio.to_thread(
            door.make_token, {**os.environ, **env}, "bench-http", "leads:write,events:read"
        )
        base = await e2e.throughput(stack.nats_url, args.http_leads // 4, run="gw-base")
        print(f"  [gateway] baseline over NATS: {base.rate:,.0f}/s", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        cpu0 = svc["gateway"].cpu_seconds() or 0.0
        tp = await door.http_throughput(stack.nats_url, port, token, args.http_leads, "http-tp")
        cpu_ms = ((svc["gateway"].cpu_seconds() or 0.0) - cpu0) * 1000 / tp.leads
        print(f"  [gateway] {args.http_leads} HTTP leads end to end: {tp.rate:,.0f}/s", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        lat = await door.http_latency(stack.nats_url, port, token, "http-lat", offset=tp.leads)
        print(f"  [gateway] at 200/s: p50 {lat.p50_ms:.1f} ms, p99 {lat.p99_ms:.1f} ms", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        nats_lat = await e2e.latency(stack.nats_url, run="gw-nats-lat", offset=2 * tp.leads)
        print(f"  [gateway] over NATS at 200/s: p99 {nats_lat.p99_ms:.1f} ms", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        fan = await sse.sse_fanout(stack.nats_url, port, token, "sse", clients=args.sse_clients)
        print(f"  [gateway] SSE to {fan.clients} clients: p99 {fan.p99_ms:.0f} ms", flush=True)
        rss = svc["gateway"].rss_mb()
    finally:
        for s in svc.values():
            s.stop()
    report.details["gateway"] = {
        "baseline": {**asdict(base), "rate": base.rate},
        "cpu_ms_per_lead": cpu_ms,
        "throughput": {**asdict(tp), "rate": tp.rate},
        "latency": asdict(lat),
        "latency_over_nats": asdict(nats_lat),
        "sse": asdict(fan),
    }
    report.add(f"HTTP lead intake end to end ({tp.leads:,} POST → TaskOpened)", tp.rate,
               "leads/s", at_least=TARGET_HTTP_RATE, note=f"{tp.refused} refused")  # fmt: skip
    report.add(f"The same services, leads over NATS ({base.leads:,}, baseline)", base.rate,
               "leads/s")  # fmt: skip
    report.add("Gateway CPU per HTTP lead (its process, user + system)", cpu_ms, "ms")
    report.add("HTTP lead → task p50 at 200 leads/s", lat.p50_ms, "ms")
    report.add("HTTP lead → task p99 at 200 leads/s", lat.p99_ms, "ms", below=TARGET_HTTP_P99_MS)
    report.add("HTTP lead answered (202) p99 at 200 leads/s", lat.answer_p99_ms, "ms")
    report.add("The same, leads over NATS: lead → task p99 at 200 leads/s (baseline)",
               nats_lat.p99_ms, "ms")  # fmt: skip
    note = f"{fan.received}/{fan.expected} received"
    report.add(f"StageChanged to {fan.clients} SSE clients p50", fan.p50_ms, "ms", note=note)
    report.add(f"StageChanged to {fan.clients} SSE clients p99", fan.p99_ms, "ms",
               below=TARGET_SSE_P99_MS, note=note)  # fmt: skip
    report.add("Resident memory, gateway", rss, "MB", below=TARGET_RSS_MB)


async def board_run(report: Report, args: argparse.Namespace, stack: DevStack) -> None:
    """The board (issue 15) over `--board-deals` deals: pages and a drag in Chromium."""
    db = await create_database(stack.database_url, "bench_board")
    port = free_port()
    env = service_env(stack.nats_url, db, CRM_GATEWAY_PORT=str(port))
    svc = await start_services([*PACKAGES, "gateway"], env, "-board", stack.nats_url_as)
    timing = board.BoardTiming(args.board_deals)
    try:
        print(f"  generating {args.board_deals:,} deals with their tasks...", flush=True)
        await board.generate(db, args.board_deals)
        await asyncio.to_thread(board.set_password, {**os.environ, **env}, "rop-1")
        url = f"http://127.0.0.1:{port}"
        await board.pages(url, timing, rounds=60)
        await board.moves(url, timing, count=20)  # a column's first page holds 25
    finally:
        for s in svc.values():
            s.stop()
    report.details["board"] = timing.__dict__
    deals = f"{args.board_deals:,} deals"
    report.add(f"Board first page, РОП, {deals}, p95", timing.p95("first_page_ms"), "ms",
               below=TARGET_BOARD_MS)  # fmt: skip
    report.add(f"Board column's next page (25 cards), {deals}, p95",
               timing.p95("next_page_ms"), "ms", below=TARGET_COLUMN_MS)  # fmt: skip
    report.add("Board drag-to-move round trip in Chromium, p95", timing.p95("move_ms"), "ms",
               below=TARGET_MOVE_MS, note=timing.browser_note)  # fmt: skip


async def sync_run(report: Report, args: argparse.Namespace, database_url: str) -> None:
    """A second NATS with `sync_interval: always`: its ceiling and the end-to-end figures."""
    with EmbeddedNats(DATA / "sync", sync_always=True) as nats_sync:
        js_rate = await ceilings.jetstream_publish_rate(nats_sync.url)
        print(f"  ceiling: JetStream (sync always) {js_rate:,.0f} msg/s", flush=True)
        report.add("JetStream publish with ack, nats-py alone (sync always)", js_rate, "msg/s")
        db = await create_database(database_url, "bench_sync")
        env = service_env(nats_sync.url, db)
        svc = await start_services(list(PACKAGES), env, "-sync", nats_sync.url_as)
        try:
            rate, p99 = await end_to_end(report, nats_sync.url, db, args.leads, "sync")
        finally:
            for s in svc.values():
                s.stop()
    lat = report.details["latency_sync"]
    report.add(f"End to end, NATS sync_interval always ({args.leads:,} leads)", rate, "leads/s",
               at_least=TARGET_RATE_SYNC)  # fmt: skip
    report.add("Lead → task p50 at 200 leads/s (sync always)", lat["p50_ms"], "ms")
    report.add("Lead → task p99 at 200 leads/s (sync always)", p99, "ms")


async def run(args: argparse.Namespace) -> Report:
    """Fresh servers under .crm-data/bench, every phase, servers stopped at the end."""
    shutil.rmtree(DATA, ignore_errors=True)
    report = Report()
    # env={}: always our own servers, even when CRM_NATS_URL / CRM_DATABASE_URL are set.
    stack = DevStack("bench", data_dir=DATA / "main", env={})
    with stack:
        assert stack.nats is not None
        print(f"servers up: {stack.nats_url}, {stack.database_url}", flush=True)
        if "main" in args.phases:
            await main_run(report, args, stack)
        if "gateway" in args.phases:
            await gateway_run(report, args, stack)
        if "board" in args.phases:
            await board_run(report, args, stack)
        if "find" in args.phases:
            await find.run(report, args, stack, start_services)
        stack.nats.stop()  # one NATS at a time, so the two runs do not share the CPU
        if "sync" in args.phases:
            await sync_run(report, args, stack.database_url)
    # The servers' data (a million deals, the streams) is gigabytes; the logs stay.
    for name in ("main", "sync"):
        shutil.rmtree(DATA / name, ignore_errors=True)
    return report


def main() -> int:
    """Parse the sizes (defaults are the issue's), run, print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--watched", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--http-leads", type=int, default=20_000)
    parser.add_argument("--sse-clients", type=int, default=200)
    parser.add_argument("--board-deals", type=int, default=100_000)
    parser.add_argument("--find-deals", type=int, default=1_000_000)
    parser.add_argument(
        "--phases", default=",".join(PHASES), type=lambda v: v.split(","),
        help=f"comma-separated, of {', '.join(PHASES)}",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.monotonic()
    report = asyncio.run(run(args))
    report.details["total_seconds"] = round(time.monotonic() - started, 1)
    print()
    print(f"Machine: {machine_line()}")
    print(report.table())
    print(f"(total {report.details['total_seconds']:.0f} s; JSON in {args.out.name})")
    report.write(args.out)
    judged = [r for r in report.rows if r.passed is not None]
    # A missed target is a finding, not a failed run: the table says which.
    print(f"{sum(bool(r.passed) for r in judged)} of {len(judged)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
