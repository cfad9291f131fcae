"""The outbox relay: publishes committed outbox rows to JetStream until each is acknowledged.

Two paths, one guarantee. The fast path: at commit the unit of work hands its events over
in memory, and the relay publishes them at once and deletes their rows once JetStream has
acknowledged them; no read of the table, no relay transaction. The sweep: every
`sweep_interval` it claims rows older than `sweep_age` (`FOR UPDATE SKIP LOCKED`, so
replicas share the work), which are rows whose fast path failed (bus down, no ack) or whose
process died between commit and publish, and publishes them the same way.

A row is deleted only after its ack, so nothing is lost; the stream drops a re-publish with
the same `Nats-Msg-Id` inside its duplicate window, so the rare double publish (a process
killed after publish and before delete, or a sweep catching a row whose fast path is slow)
leaves one copy on the stream.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from crm_shared.machinery.acks import Acks
from crm_shared.machinery.loops import Periodic, Streak
from crm_shared.machinery.metrics import Metrics

log = logging.getLogger(__name__)
# Fast-path rounds whose acks may be outstanding at once: enough to keep publishing while
# earlier acks and deletes are on their way, few enough to hold back when NATS is slow.
MAX_ROUNDS = 4
# Acknowledged rows are deleted together, at most this long after their ack: under a
# steady trickle of events one DELETE per round would be a transaction per event.
DELETE_DELAY = 0.1


@dataclass(frozen=True)
class Committed:
    """An event whose outbox row has just been committed, handed to the relay in memory."""

    event_id: str
    subject: str
    payload: bytes


class OutboxRelay:
    """Publishes outbox rows to JetStream in batches until each is acknowledged."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        acks: Acks,
        metrics: Metrics,
        *,
        batch_size: int = 1000,
        sweep_interval: float = 1.0,
        sweep_age: float = 2.0,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._publisher = acks
        self._metrics = metrics
        self._batch = batch_size
        self._sweep = sweep_interval
        self._sweep_age = sweep_age
        self._fresh: list[Committed] = []
        self._rounds: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_ROUNDS)
        self._acked: list[str] = []
        self._deleting: asyncio.Task[None] | None = None
        self._next_sweep = 0.0
        self._fast_path = Streak("outbox fast path", log)  # said once per outage
        self._loop = Periodic(
            "outbox relay",
            self._round,
            on_error=lambda _: self._metrics.outbox_failures.inc(),  # publish or database
            drain=lambda: bool(self._fresh),
        )

    def wake(self, committed: list[Committed] | None = None) -> None:
        """Called at commit with the committed events: publish them now."""
        if committed:
            self._fresh.extend(committed)
        self._loop.wake()

    def stop(self) -> None:
        """Ask the loop to finish: what was handed over is published first, if it can be."""
        self._loop.stop()

    async def run(self) -> None:
        """Relay until stopped; back off on failures, never give up on a row."""
        await self._loop.run()
        await asyncio.gather(*self._rounds, return_exceptions=True)
        await self._delete_acked(delay=0)

    async def _round(self) -> float:
        """Hand what commits handed over to rounds of publishes; sweep when it is time.
        Returns how long to sleep: 0 while more is waiting (drain without sleeping)."""
        while self._fresh:
            await self._slots.acquire()
            self._start_round()
        more = False
        if not self._loop.stopping and time.monotonic() >= self._next_sweep:
            more = await self.relay_once() >= self._batch
            self._next_sweep = time.monotonic() + (0 if more else self._sweep)
        if self._fresh or more:
            return 0.0
        return max(0.0, self._next_sweep - time.monotonic())

    def _start_round(self) -> None:
        """Publish what commits handed over, without waiting for the previous round.

        The publishes are issued now, in commit order; their acks and the DELETE of their
        rows are awaited in a task of their own, so events committed meanwhile go out at
        once instead of queueing behind two round trips (up to `MAX_ROUNDS` at a time).
        Events leave memory whatever happens: one not acknowledged keeps its row, and the
        sweep publishes it once the row is `sweep_age` old.
        """
        batch = self._fresh[: self._batch]
        del self._fresh[: len(batch)]
        sends = self._send([(c.event_id, c.subject, c.payload) for c in batch])
        task = asyncio.create_task(self._finish_round(batch, sends))
        self._rounds.add(task)
        task.add_done_callback(self._round_done)

    async def _finish_round(self, batch: list[Committed], sends: list[asyncio.Future[Any]]) -> None:
        results = await self._acks(sends)
        done = [c.event_id for c, res in zip(batch, results, strict=True) if not _failed(res)]
        self._metrics.events_published.inc(len(done))
        self._acked.extend(done)
        if len(self._acked) >= self._batch:
            await self._delete_acked(delay=0)
        elif self._acked and self._deleting is None:
            self._deleting = asyncio.create_task(self._delete_acked(delay=DELETE_DELAY))
            self._rounds.add(self._deleting)
            self._deleting.add_done_callback(self._rounds.discard)
        _raise_failures(results)

    async def _delete_acked(self, delay: float) -> None:
        """Delete the rows of acknowledged events, after `delay` (more acks join meanwhile).

        Should the DELETE fail, the rows stay and the sweep publishes them again once they
        are `sweep_age` old; the stream drops those copies as duplicates.
        """
        if delay:
            await asyncio.sleep(delay)
            self._deleting = None
        ids, self._acked = self._acked, []
        if not ids:
            return
        try:
            await self._pool.execute(
                f'DELETE FROM "{self._schema}".outbox WHERE event_id = ANY($1::text[])', ids
            )
        except Exception as exc:
            log.warning("deleting %d published outbox rows failed: %r", len(ids), exc)
            self._metrics.outbox_failures.inc()

    def _round_done(self, task: asyncio.Task[None]) -> None:
        self._rounds.discard(task)
        self._slots.release()
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            self._fast_path.succeeded()
            return
        # The rows stay; the sweep takes them over. Nothing to retry here.
        self._fast_path.failed(exc, "left to the sweep")
        self._metrics.outbox_failures.inc()

    async def relay_once(self) -> int:
        """Sweep: publish one batch of rows left behind; returns how many were published."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"""SELECT id, event_id, subject, payload, created_at
                    FROM "{self._schema}".outbox
                    WHERE created_at < now() - make_interval(secs => $2)
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self._batch,
                self._sweep_age,
            )
            self._observe_backlog(rows)
            if not rows:
                return 0
            results = await self._acks(
                self._send([(r["event_id"], r["subject"], bytes(r["payload"])) for r in rows])
            )
            done = [r["id"] for r, res in zip(rows, results, strict=True) if not _failed(res)]
            failed = [
                (r["id"], repr(res)) for r, res in zip(rows, results, strict=True) if _failed(res)
            ]
            if done:
                await conn.execute(
                    f'DELETE FROM "{self._schema}".outbox WHERE id = ANY($1::bigint[])', done
                )
            if failed:
                await conn.executemany(
                    f"""UPDATE "{self._schema}".outbox
                        SET attempts = attempts + 1, last_error = $2 WHERE id = $1""",
                    failed,
                )
        self._metrics.events_published.inc(len(done))
        _raise_failures(results)
        return len(done)

    def _send(self, events: list[tuple[str, str, bytes]]) -> list[asyncio.Future[Any]]:
        """Start publishing (event id, subject, payload), in this order; one future each
        (`machinery.acks`: the acks of a round are awaited together).

        (The fault harness, bench/relay_fault.py, wraps this and `_acks` to kill the process.)
        """
        return self._publisher.send(events)

    async def _acks(self, sends: list[asyncio.Future[Any]]) -> list[Any]:
        """Each publish's ack, or the exception it got."""
        return await self._publisher.results(sends)

    def _observe_backlog(self, rows: list[Any]) -> None:
        """Rows the fast path did not get out: how many, and how old the oldest is."""
        if rows:
            oldest = rows[0]["created_at"].timestamp()
            self._metrics.outbox_oldest_age.set(max(0.0, time.time() - oldest))
        else:
            self._metrics.outbox_oldest_age.set(0.0)
        self._metrics.outbox_backlog.set(len(rows) + len(self._fresh))


def _failed(result: object) -> bool:
    return isinstance(result, BaseException)


def _raise_failures(results: list[Any]) -> None:
    failed = [r for r in results if _failed(r)]
    if failed:
        first = failed[0]  # its cause: a transient one (NATS down) is reported as such
        raise RuntimeError(f"{len(failed)} outbox events not acknowledged: {first!r}") from first
