"""Where each service spends its CPU under load: py-spy on every service at once.

`python -m bench.profile` starts fresh embedded servers and the four services (as
`make bench` does), then, with `py-spy record` (raw stacks, idle threads left out, so a
sample is a moment the thread was running) attached to each service, drives
  - `bus`: the end-to-end load, `--leads` leads published as fast as acks allow until the
    last TaskOpened (deal-service, task-service, notifier; the gateway idles);
  - `http`: 12 `POST /api/leads` in flight for `--seconds` (every service);
  - `paced`: leads over the bus at 200 a second for `--seconds` (small batches: what a
    batch costs whatever its size).
It prints, per load and service, the functions where the samples were (self) and the
project's own functions the samples passed through (total), each as a share of that
service's samples, and writes the same as Markdown to `--out` (bench-profile.md, not kept in git).
The sampler itself takes CPU on the same cores: read the shares, not the rates.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable
from pathlib import Path

from bench import cpu, e2e, inflight, stack
from bench.procs import ROOT, Service

DATA = ROOT / ".crm-data" / "bench-profile"
OURS = ("deal_service", "task_service", "notifier", "gateway", "crm_shared")


def py_spy() -> str:
    """The py-spy next to the interpreter (the dev dependency), else PATH's."""
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else "py-spy"


def record(pid: int, out: Path, rate: int) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` until SIGINT; raw (collapsed) stacks into `out`."""
    return subprocess.Popen(
        [py_spy(), "record", "-p", str(pid), "-o", str(out), "-f", "raw", "-r", str(rate),
         "--nonblocking", "--nolineno"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def summarise(raw: Path, top: int) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """(samples, self shares, our functions' total shares) from a raw py-spy file."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            if any(f"{pkg}/" in frame or f"{pkg}." in frame for pkg in OURS):
                total[frame] += n
    share = 100 / max(samples, 1)
    # The frames (nearly) every sample passes through (main, the service's runner) say nothing.
    below = [(f, c * share) for f, c in total.most_common() if c * share < 90]
    return samples, [(f, c * share) for f, c in own.most_common(top)], below[:top]


def short(frame: str) -> str:
    """`func (/…/pkg/mod.py)` → `func (pkg/mod.py)`."""
    name, _, where = frame.partition(" (")
    return f"{name} ({'/'.join(where.rstrip(')').split('/')[-2:])})"


async def profiled(
    svc: dict[str, Service], load: str, work: Awaitable[object], rate: int
) -> dict[str, Path]:
    """Run `work` (an awaitable) with py-spy on every service; the raw files by service."""
    files = {name: DATA / f"{load}-{name}.txt" for name in svc}
    spies = [record(s.pid or 0, files[name], rate) for name, s in svc.items()]
    try:
        await work
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            spy.wait(60)
    return files


def report(load: str, files: dict[str, Path], top: int) -> str:
    """The Markdown of one load's profiles."""
    lines = [f"### Load `{load}`", ""]
    for name, raw in files.items():
        if not raw.exists():
            lines += [f"{name}: no samples", ""]
            continue
        samples, own, total = summarise(raw, top)
        lines += [f"**{name}** ({samples:,} samples)", "", "| self | % | our code, total | % |",
                  "|---|---:|---|---:|"]  # fmt: skip
        for (f1, s1), (f2, s2) in zip(own, total + [("", 0.0)] * (top - len(total)), strict=False):
            lines.append(f"| {short(f1)} | {s1:.1f} | {short(f2) if f2 else ''} | {s2:.1f} |")
        lines.append("")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> str:
    """Servers, services, the three loads; the Markdown."""
    out: list[str] = []
    async with stack.running("bench-profile", DATA) as up:
        nats_url, svc, port = up.stack.nats_url, up.services, up.port
        token = await asyncio.to_thread(up.token, "bench-profile")
        bus = e2e.throughput(nats_url, args.leads, run="bus")
        out.append(report("bus", await profiled(svc, "bus", bus, args.rate), args.top))
        await e2e.quiesce(nats_url, up.db)
        meter = cpu.Meter(cpu.stack_pids(svc, {}))
        make = inflight.lead_request(port, token, "prof")
        http = inflight.in_flight(nats_url, port, make, meter, "http", ok=202, seconds=args.seconds)
        out.append(report("http", await profiled(svc, "http", http, args.rate), args.top))
        await e2e.quiesce(nats_url, up.db)
        paced = e2e.latency(nats_url, run="paced", seconds=args.seconds, offset=10**7)
        out.append(report("paced", await profiled(svc, "paced", paced, args.rate), args.top))
    return "\n".join(out)


def main() -> int:
    """Parse, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=100, help="samples a second")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-profile.md")
    args = parser.parse_args()
    text = asyncio.run(run(args))
    print(text)
    args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
