"""The CPU-per-lead rows alone, quickly: for a before/after of one change, back to back.

`python -m bench.cpu_probe` starts fresh embedded servers and the four services (as
`make bench` does, each signing in to NATS as its own user), warms them up, then measures
the CPU per lead of every process (bench.cpu) at the three loads of `make bench`, smaller:
  - `saturation`: `--leads` leads over the bus as fast as acks allow, to the last TaskOpened;
  - `200/s`: leads over the bus at 200 a second for `--paced-seconds` (+ 2 s warm-up);
  - `12 in flight`: `POST /api/leads` with 12 requests in flight for `--seconds`.
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

from bench import cpu, e2e, inflight, stack
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
    async with stack.running("bench-cpu-probe", DATA) as up:
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
    args = parser.parse_args()
    print("summary:\n" + "\n".join(asyncio.run(run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
