"""The CPU-per-lead rows alone, quickly: for a before/after of one change, back to back.

`python -m bench.cpu_probe` starts fresh embedded servers and the four services (as
`make bench` does, each signing in to NATS as its own user), warms them up, then measures
the CPU per lead of every process (bench.cpu) at the three loads of `make bench`, smaller:
  - `saturation`: `--leads` leads over the bus as fast as acks allow, to the last TaskOpened;
  - `200/s`: leads over the bus at 200 a second for `--paced-seconds` (+ 2 s warm-up);
  - `12 in flight`: `POST /api/leads` with 12 requests in flight for `--seconds`.
`--bare` first measures the bare ceiling (bench.bare) at the same three loads, over the bus
(12 leads in flight there, a TaskOpened letting the next go, so its batches are at most 12),
and at `--bare-rate` leads a second, about the rate 12 HTTP requests in flight reach here.
It prints one line per load (the total, then each process, and each consumer's messages per
batch, from /metrics) and the machine's load average before and after: the rows are the
figures to compare, the rates are the machine's.
`--rounds N` repeats the three loads N times on the same services.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import urllib.request
from collections.abc import Mapping

from bench import bare, cpu, e2e, inflight, stack
from bench.procs import ROOT, Service

DATA = ROOT / ".crm-data" / "bench-cpu-probe"
Batches = dict[str, tuple[float, float]]
_BATCH = re.compile(r'crm_consumer_batch_size_(sum|count)\{consumer="([^"]+)"\} (\S+)')


def batches(services: Mapping[str, Service]) -> Batches:
    """{consumer: (messages, batches)} so far, from each service's /metrics."""
    out: Batches = {}
    for s in services.values():
        url = f"http://127.0.0.1:{s.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            text = answer.read().decode()
        for kind, consumer, value in _BATCH.findall(text):
            total, count = out.get(consumer, (0.0, 0.0))
            out[consumer] = (
                (total + float(value), count) if kind == "sum" else (total, float(value))
            )
    return out


def mean_batches(before: Batches, after: Batches) -> str:
    """Messages per batch of each consumer between two `batches` readings."""
    parts = []
    for consumer, (total, count) in sorted(after.items()):
        t0, c0 = before.get(consumer, (0.0, 0.0))
        if count > c0:
            parts.append(f"{consumer} {(total - t0) / (count - c0):.1f}")
    return "messages per batch: " + ", ".join(parts)


async def one_round(
    args: argparse.Namespace, nats_url: str, db: str, meter: cpu.Meter, port: int, token: str,
    n: int, svc: Mapping[str, Service],
) -> list[str]:  # fmt: skip
    """The three loads once; their lines, each with the consumers' messages per batch (read
    from /metrics outside the measured span)."""
    lines = []
    b0 = await asyncio.to_thread(batches, svc)
    with cpu.Phase(meter, "saturation") as sat:
        tp = await e2e.throughput(nats_url, args.leads, run=f"sat{n}")
    b1 = await asyncio.to_thread(batches, svc)
    lines.append(f"{sat.result(tp.leads).line()} [{tp.rate:,.0f} leads/s; {mean_batches(b0, b1)}]")
    await e2e.quiesce(nats_url, db)
    b0 = await asyncio.to_thread(batches, svc)
    with cpu.Phase(meter, "200/s") as paced:
        lat = await e2e.latency(
            nats_url, run=f"lat{n}", seconds=args.paced_seconds, offset=(n + 1) * 10**6
        )
    b1 = await asyncio.to_thread(batches, svc)
    lines.append(
        f"{paced.result(lat.sent + 400).line()} [p50 {lat.p50_ms:.1f} p99 {lat.p99_ms:.1f} ms; "
        f"{mean_batches(b0, b1)}]"
    )
    await e2e.quiesce(nats_url, db)
    b0 = await asyncio.to_thread(batches, svc)
    http = await inflight.in_flight(
        nats_url, port, inflight.lead_request(port, token, f"h{n}"), meter, "12 in flight",
        ok=202, seconds=args.seconds,
    )  # fmt: skip
    b1 = await asyncio.to_thread(batches, svc)
    lines.append(f"{http.cpu.line()} [{http.rate:,.0f} leads/s; {mean_batches(b0, b1)}]")
    await e2e.quiesce(nats_url, db)
    return lines


async def run(args: argparse.Namespace) -> list[str]:
    """Servers, services, warm-up, the rounds."""
    out: list[str] = []

    async def bare_first(servers: stack.DevStack) -> None:
        """The bare pipeline at the same three loads (over the bus), before the services."""
        assert servers.nats is not None and servers.postgres is not None
        pids = {"nats-server": servers.nats.pid, "PostgreSQL": servers.postgres.pid}
        b = await bare.run(
            servers.nats_url, servers.database_url, args.leads, pids,
            paced_rates=(200.0, args.bare_rate), paced_seconds=args.paced_seconds,
            in_flight_seconds=args.seconds,
        )  # fmt: skip
        assert b.in_flight is not None
        for line in (
            f"{b.cpu.line()} [{b.rate:,.0f} leads/s]", *(p.line() for p in b.paced),
            f"{b.in_flight.line()} [{b.in_flight_rate:,.0f} leads/s, over the bus]",
        ):  # fmt: skip
            print(line, flush=True)
            out.append(line)

    before = bare_first if args.bare else None
    async with stack.running("bench-cpu-probe", DATA, before=before) as up:
        token = await asyncio.to_thread(up.token, "bench-cpu")
        meter = cpu.Meter(cpu.stack_pids(up.services, up.servers))
        for n in range(args.rounds):
            out.append(f"load average {os.getloadavg()[0]:.1f}")
            lines = await one_round(
                args, up.stack.nats_url, up.db, meter, up.port, token, n, up.services
            )
            for line in lines:
                print(line, flush=True)
            out += lines
        out.append(f"load average {os.getloadavg()[0]:.1f}")
    return out


def main() -> int:
    """Parse, run, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=5_000)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--bare", action="store_true", help="the bare ceiling first, at the same three loads"
    )
    parser.add_argument(
        "--bare-rate", type=float, default=1000.0,
        help="the bare ceiling also at this steady rate (about what 12 in flight reach)",
    )  # fmt: skip
    args = parser.parse_args()
    print("summary:\n" + "\n".join(asyncio.run(run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
