"""The loads the bare pipeline is measured under, as our stack is: as fast as acks allow,
200 leads a second, and a fixed number of leads in flight.

Each is metered (bench.cpu) over the bare stages and the servers, from its first publish
to its last lead's TaskOpened seen on the bus, and divided by its leads. A lead's TaskOpened
is counted, not matched to its lead: the bare events do not carry the lead's id, and a
count is all each load needs (in flight: a TaskOpened frees a place for the next lead).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from bench import cpu
from bench.cpu import CpuPerLead, Meter, Phase
from bench.load import LEAD_SUBJECT, lead, paced, publish_all
from bench.report import Report

WARMUP = 2.0  # seconds at the paced rate before the paced phase counts (as e2e.latency)


@dataclass
class BareResult:
    """Leads per second through the bare pipeline, and its CPU per lead."""

    leads: int
    seconds: float
    cpu: CpuPerLead
    paced: list[CpuPerLead] = field(default_factory=list)  # at each of `paced_rates`
    in_flight: CpuPerLead | None = None  # with `places` leads in flight
    in_flight_rate: float = 0.0

    @property
    def rate(self) -> float:
        """Leads per second end to end."""
        return self.leads / self.seconds


@dataclass
class Seen:
    """TaskOpened seen so far; a waiter wakes once the count reaches its mark."""

    count: int = 0
    places: asyncio.Semaphore | None = None  # freed by each TaskOpened while in flight
    _marks: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)

    async def on_msg(self, msg: Msg) -> None:
        """The subscription's callback."""
        self.count += 1
        if self.places is not None:
            self.places.release()
        for mark, fut in [m for m in self._marks if m[0] <= self.count]:
            self._marks.remove((mark, fut))
            if not fut.done():
                fut.set_result(None)

    async def reach(self, mark: int, timeout: float) -> None:
        """Until `mark` TaskOpened have been seen."""
        if self.count >= mark:
            return
        fut = asyncio.get_running_loop().create_future()
        self._marks.append((mark, fut))
        await asyncio.wait_for(fut, timeout)


async def _send(js: JetStreamContext, tag: str, n: int) -> None:
    body = lead(f"bare-{tag}-{n}", n)
    await js.publish(LEAD_SUBJECT, body, headers={"Nats-Msg-Id": f"bare-{tag}-{n}"})


async def saturation(
    js: JetStreamContext, seen: Seen, meter: Meter, count: int, timeout: float
) -> CpuPerLead:
    """`count` leads published as fast as acks allow, to the last TaskOpened."""
    bodies = [lead(f"bare-{n}", n) for n in range(count)]
    mark = seen.count + count
    with Phase(meter, "bare ceiling") as phase:
        await publish_all(js, LEAD_SUBJECT, bodies)
        await seen.reach(mark, timeout)
    return phase.result(count)


async def at_rate(
    js: JetStreamContext, seen: Seen, meter: Meter, rate: float, seconds: float
) -> CpuPerLead:
    """`rate` leads a second for `WARMUP` + `seconds`, to the last TaskOpened; every lead
    counted, the warm-up's too (as the stack's row at 200 leads/s)."""
    count = round(rate * (WARMUP + seconds))
    mark = seen.count + count
    with Phase(meter, f"bare ceiling, {rate:.0f} leads/s") as phase:
        sends = await paced(count, rate, lambda n: _send(js, f"paced{rate:.0f}", n))
        await asyncio.gather(*sends)
        await seen.reach(mark, 60)
    return phase.result(count)


async def in_flight(
    js: JetStreamContext, seen: Seen, meter: Meter, places: int, seconds: float
) -> tuple[CpuPerLead, float]:
    """`places` leads in flight for `seconds` (a lead's TaskOpened lets the next one go),
    to the last TaskOpened; the CPU per lead and the leads per second."""
    seen.places = asyncio.Semaphore(places)
    start, sent, sends = seen.count, 0, []
    with Phase(meter, f"bare ceiling, {places} in flight") as phase:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            await seen.places.acquire()
            sends.append(asyncio.create_task(_send(js, "flight", sent)))
            sent += 1
        await asyncio.gather(*sends)
        await seen.reach(start + sent, 60)
    seen.places = None
    return phase.result(sent), sent / (phase.ended - phase.started)


def add_rows(report: Report, ceiling: BareResult) -> None:
    """The bare ceiling's rows of `make bench`: its rate, and its CPU per lead at each load."""
    report.details["bare"] = {**asdict(ceiling), "rate": ceiling.rate}
    report.add(f"Bare ceiling: the same durable work, no framework ({ceiling.leads:,} leads)",
               ceiling.rate, "leads/s")  # fmt: skip
    cpu.add_row(report, "CPU per lead, bare ceiling, every process", ceiling.cpu)
    for paced_cpu in ceiling.paced:
        cpu.add_row(report, f"CPU per lead, bare ceiling, {paced_cpu.load[len('bare ceiling, '):]} "
                    "over the bus", paced_cpu)  # fmt: skip
    if ceiling.in_flight is not None:
        cpu.add_row(report, "CPU per lead, bare ceiling, 12 leads in flight over the bus",
                    ceiling.in_flight)  # fmt: skip
