"""`make bench`'s gateway phase (issue 14, issue 25): the HTTP door under load.

Lead intake end to end and at 200/s, the same services over NATS as a baseline, 12 HTTP
requests in flight (leads, then deals made by hand) with the CPU per lead of every process
of the stack, the CPU the stack spends idle (10 s without a request: at a low rate this is
a large part of a lead's cost), and the SSE fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict

from bench import cpu, door, e2e, inflight, sse
from bench.procs import PACKAGES, NatsAs, Service, create_database, service_env
from bench.report import Report
from crm_shared.devstack import DevStack, free_port

TARGET_HTTP_RATE, TARGET_HTTP_P99_MS, TARGET_RSS_MB = 1_000.0, 50.0, 200.0
TARGET_SSE_P99_MS = 250.0
TARGET_CPU_IN_FLIGHT_MS = 1.5
IDLE_SECONDS = 10.0
Start = Callable[[list[str], dict[str, str], str, NatsAs], Awaitable[dict[str, Service]]]


async def gateway_run(
    report: Report, args: argparse.Namespace, stack: DevStack, start_services: Start
) -> None:
    """The HTTP door (issue 14): lead intake end to end and at 200/s, the SSE fan-out."""
    assert stack.nats is not None and stack.postgres is not None
    db = await create_database(stack.database_url, "bench_gateway")
    port = free_port()
    # One token stands for every SSE follower here; the gateway allows 8 streams per token
    # or user (issue 23), so the limit is raised to the followers' number for this phase.
    streams = str(args.sse_clients)
    env = service_env(
        stack.nats_url, db, CRM_GATEWAY_PORT=str(port), CRM_GATEWAY_SSE_MAX_STREAMS=streams
    )
    svc = await start_services([*PACKAGES, "gateway"], env, "-gateway", stack.nats_url_as)
    servers = {"nats-server": stack.nats.pid, "PostgreSQL": stack.postgres.pid}
    meter = cpu.Meter(cpu.stack_pids(svc, servers))
    try:
        full_env = {**os.environ, **env}
        token = await asyncio.to_thread(
            door.make_token, full_env, "bench-http", "leads:write,events:read"
        )
        deals_token = await asyncio.to_thread(
            door.make_token, full_env, "bench-deals", "deals:write", "mgr-1"
        )
        base = await e2e.throughput(stack.nats_url, args.http_leads // 4, run="gw-base")
        print(f"  [gateway] baseline over NATS: {base.rate:,.0f}/s", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        cpu0 = svc["gateway"].cpu_seconds() or 0.0
        with cpu.Phase(meter, "HTTP saturation") as saturated:
            tp = await door.http_throughput(stack.nats_url, port, token, args.http_leads, "http-tp")
        cpu_ms = ((svc["gateway"].cpu_seconds() or 0.0) - cpu0) * 1000 / tp.leads
        http_cpu = saturated.result(tp.leads)
        print(f"  [gateway] {args.http_leads} HTTP leads end to end: {tp.rate:,.0f}/s", flush=True)
        print(f"  [gateway] {http_cpu.line()}", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        lat = await door.http_latency(stack.nats_url, port, token, "http-lat", offset=tp.leads)
        print(f"  [gateway] at 200/s: p50 {lat.p50_ms:.1f} ms, p99 {lat.p99_ms:.1f} ms", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        nats_lat = await e2e.latency(stack.nats_url, run="gw-nats-lat", offset=2 * tp.leads)
        print(f"  [gateway] over NATS at 200/s: p99 {nats_lat.p99_ms:.1f} ms", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        with cpu.Phase(meter, "idle, per second") as idle:  # what a low rate pays anyway
            await asyncio.sleep(IDLE_SECONDS)
        idle_cpu = idle.result(round(idle.ended - idle.started))
        print(f"  [gateway] {idle_cpu.line().replace('per lead', 'per second idle')}", flush=True)
        leads12 = await inflight.in_flight(
            stack.nats_url, port, inflight.lead_request(port, token, "http-12"), meter,
            "12 in flight, POST /api/leads", ok=202, seconds=args.in_flight_seconds,
        )  # fmt: skip
        print(f"  [gateway] {leads12.rate:,.0f} leads/s; {leads12.cpu.line()}", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        deals12 = await inflight.in_flight(
            stack.nats_url, port, inflight.deal_request(port, deals_token), meter,
            "12 in flight, POST /api/deals", ok=201, seconds=args.in_flight_seconds,
        )  # fmt: skip
        print(f"  [gateway] {deals12.rate:,.0f} deals/s; {deals12.cpu.line()}", flush=True)
        await e2e.quiesce(stack.nats_url, db)
        fan, fan_error = None, ""
        try:
            fan = await sse.sse_fanout(stack.nats_url, port, token, "sse", clients=args.sse_clients)
            print(f"  [gateway] SSE to {fan.clients} clients: p99 {fan.p99_ms:.0f} ms", flush=True)
        except (TimeoutError, RuntimeError) as exc:  # the table keeps what was measured
            fan_error = f"not measured: {type(exc).__name__} {exc}".strip()
            print(f"  [gateway] SSE {fan_error}", flush=True)
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
        "in_flight_leads": leads12.details(),
        "in_flight_deals": deals12.details(),
        "sse": asdict(fan) if fan is not None else fan_error,
    }
    report.add(f"HTTP lead intake end to end ({tp.leads:,} POST → TaskOpened)", tp.rate,
               "leads/s", at_least=TARGET_HTTP_RATE, note=f"{tp.refused} refused")  # fmt: skip
    report.add(f"The same services, leads over NATS ({base.leads:,}, baseline)", base.rate,
               "leads/s")  # fmt: skip
    report.add("Gateway CPU per HTTP lead (its process, user + system)", cpu_ms, "ms")
    cpu.add_row(report, "CPU per lead, HTTP intake at saturation, every process", http_cpu)
    report.add("HTTP lead → task p50 at 200 leads/s", lat.p50_ms, "ms")
    report.add("HTTP lead → task p99 at 200 leads/s", lat.p99_ms, "ms", below=TARGET_HTTP_P99_MS)
    report.add("HTTP lead answered (202) p99 at 200 leads/s", lat.answer_p99_ms, "ms")
    report.add("The same, leads over NATS: lead → task p99 at 200 leads/s (baseline)",
               nats_lat.p99_ms, "ms")  # fmt: skip
    for name, run in (("leads (POST /api/leads)", leads12), ("deals by hand (POST /api/deals)",
                                                             deals12)):  # fmt: skip
        note = f"{run.done:,} in {run.seconds:.0f} s, answer p99 {run.answer_p99_ms:.0f} ms"
        report.add(f"12 HTTP requests in flight: {name}", run.rate, "/s", note=note)
    cpu.add_row(report, "CPU per lead, 12 HTTP requests in flight, every process", leads12.cpu,
                below=TARGET_CPU_IN_FLIGHT_MS)  # fmt: skip
    cpu.add_row(report, "CPU per deal made by hand, 12 in flight, every process", deals12.cpu)
    cpu.add_row(report, "CPU per second idle (no request), every process", idle_cpu)
    clients = args.sse_clients
    note = f"{fan.received}/{fan.expected} received" if fan is not None else fan_error
    report.add(
        f"StageChanged to {clients} SSE clients p50", fan.p50_ms if fan else None, "ms", note=note
    )
    report.add(f"StageChanged to {clients} SSE clients p99", fan.p99_ms if fan else None, "ms",
               below=TARGET_SSE_P99_MS, note=note)  # fmt: skip
    report.add("Resident memory, gateway", rss, "MB", below=TARGET_RSS_MB)
