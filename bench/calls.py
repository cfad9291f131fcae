"""What each consumer service calls per lead, counted: cProfile inside the services.

`python -m bench.calls` starts fresh embedded servers and the four services (as `make bench`
does), each with `bench/calls_site` first on its PYTHONPATH: Python's own `cProfile`, with a
CPU clock, switched on and off by signals around one load, `--leads` leads over the bus as
fast as acks allow (`bus`), 200 a second for `--seconds` (`paced`), or 12 `POST /api/leads` in
flight for `--seconds` (`http`, the gateway profiled too). It prints per service
the functions called most often per lead and those with the most CPU of their own.

The profiler slows Python several times over and makes the batches smaller, so its times are
not the services' (`bench.cpu_probe` measures those); its **calls a lead** are exact, and they
show work done per element of every lead: that is how asyncpg's two ABC checks of every array
element (86 a lead in deal-service) and the Python validator of every event string (33 to 41)
were found (docs/benchmarks.md, "Python a lead, counted call by call").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import sys
from pathlib import Path

from bench import cpu, e2e, inflight, stack
from bench.procs import ROOT

DATA = ROOT / ".crm-data" / "bench-calls"
SITE = Path(__file__).parent / "calls_site"
CONSUMERS = ("deal-service", "task-service", "notifier")


def table(path: Path, leads: int, top: int) -> list[str]:
    """The Markdown rows of one service's profile: most called, then most CPU of their own."""
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values()) or 1.0
    rows = [
        (calls / leads, own / total * 100, f"`{name}` ({Path(file).name}:{line})")
        for (file, line, name), (_, calls, own, _, _) in stats.items()
    ]
    lines = ["| calls a lead | function | own CPU % |", "|---:|---|---:|"]
    for calls, own, where in sorted(rows, key=lambda r: -r[0])[:top]:
        lines.append(f"| {calls:.1f} | {where} | {own:.1f} |")
    lines += ["", "| own CPU % | function | calls a lead |", "|---:|---|---:|"]
    for calls, own, where in sorted(rows, key=lambda r: -r[1])[:top]:
        lines.append(f"| {own:.1f} | {where} | {calls:.1f} |")
    return lines


async def run(args: argparse.Namespace) -> str:
    """Servers, services under the hook, one load; the Markdown."""
    out = [f"### `bench.calls`, load `{args.load}`", ""]
    path = os.pathsep.join(p for p in (str(SITE), os.environ.get("PYTHONPATH", "")) if p)

    def hooked(name: str) -> dict[str, str]:
        return {"CRM_BENCH_CALLS": str(DATA / f"{name}.prof"), "PYTHONPATH": path}

    async with stack.running("bench-calls", DATA, service_extra=hooked) as up:
        nats_url, svc, port = up.stack.nats_url, up.services, up.port
        token = await asyncio.to_thread(up.token, "bench-calls")
        profiled = [*CONSUMERS, "gateway"] if args.load == "http" else list(CONSUMERS)
        for name in profiled:
            os.kill(svc[name].pid or 0, signal.SIGUSR1)
        if args.load == "bus":
            leads = (await e2e.throughput(nats_url, args.leads, run="calls")).leads
        elif args.load == "http":
            http = await inflight.in_flight(
                nats_url, port, inflight.lead_request(port, token, "calls"), cpu.Meter(dict),
                "12 in flight", ok=202, seconds=args.seconds,
            )  # fmt: skip
            leads = http.done
        else:
            lat = await e2e.latency(nats_url, run="calls", seconds=args.seconds, offset=10**7)
            leads = lat.sent + 400  # with its warm-up, as bench.cpu_probe counts it
        await e2e.quiesce(nats_url, up.db)
        for name in profiled:
            os.kill(svc[name].pid or 0, signal.SIGUSR2)
        await asyncio.sleep(2)  # the profiles are written by the services' signal handlers
        for name in profiled:
            prof = DATA / f"{name}.prof"
            out += [f"**{name}** ({leads:,} leads)", "", *table(prof, leads, args.top), ""]
    return "\n".join(out)


def main() -> int:
    """Parse, run, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--load", choices=["bus", "paced", "http"], default="bus")
    parser.add_argument("--leads", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--top", type=int, default=15)
    print(asyncio.run(run(parser.parse_args())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
