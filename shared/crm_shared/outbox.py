"""Transactional outbox: events are rows written in the business transaction.

`UnitOfWork` collects the events a use case raises and writes them all with one INSERT just
before COMMIT, so state and events commit together or not at all. `OutboxRelay` publishes the
rows to JetStream with `Nats-Msg-Id` = event id (the stream drops a re-publish inside its
duplicate window), deletes them once acknowledged, and retries with backoff until they are.
The relay is woken at commit; a slow sweep also picks up rows left by a crashed process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import asyncpg
from nats.js import JetStreamContext

from crm_shared.envelope import CloudEvent
from crm_shared.events import EventData
from crm_shared.metrics import Metrics

log = logging.getLogger(__name__)


def outbox_ddl(schema: str) -> list[str]:
    """DDL of the outbox table, for a service's first migration."""
    return [
        f"""CREATE TABLE "{schema}".outbox (
            id BIGSERIAL PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            subject TEXT NOT NULL,
            payload BYTEA NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            attempts INT NOT NULL DEFAULT 0,
            last_error TEXT
        )""",
    ]


class UnitOfWork:
    """One transaction on one connection, plus the events it raises.

    Use as `async with UnitOfWork(...) as uow:`; call `await uow.commit()` at the end. Leaving
    the block without commit rolls back and drops the collected events.
    """

    def __init__(
        self, pool: asyncpg.Pool, schema: str, source: str, on_commit: Callable[[], None]
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._source = source
        self._on_commit = on_commit
        self._events: list[tuple[str, CloudEvent]] = []
        self.conn: asyncpg.Connection
        self._tx: Any = None

    async def __aenter__(self) -> UnitOfWork:
        self.conn = await self._pool.acquire()
        try:
            self._tx = self.conn.transaction()
            await self._tx.start()
        except BaseException:
            # __aexit__ does not run when __aenter__ fails: give the connection back here,
            # or every failed start during a database outage leaks one and drains the pool.
            self._tx = None
            await self._pool.release(self.conn)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None:
                with contextlib.suppress(Exception):
                    await self._tx.rollback()
        finally:
            self._events.clear()
            await self._pool.release(self.conn)

    def emit(self, data: EventData, *, subject_id: str, nats_subject: str | None = None) -> str:
        """Queue an event for the outbox; returns its id."""
        event = CloudEvent(
            source=self._source,
            type=data.TYPE,
            subject=subject_id,
            data=data.model_dump(mode="json"),
        )
        self._events.append((nats_subject or data.SUBJECT, event))
        return event.id

    @property
    def pending_events(self) -> list[tuple[str, CloudEvent]]:
        """Events raised so far in this unit of work (for tests and metrics)."""
        return list(self._events)

    async def commit(self) -> None:
        """Write the queued events, commit, and wake the relay."""
        if self._events:
            await self.conn.execute(
                f"""INSERT INTO "{self._schema}".outbox (event_id, subject, payload)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])""",
                [e.id for _, e in self._events],
                [s for s, _ in self._events],
                [e.to_bytes() for _, e in self._events],
            )
        await self._tx.commit()
        self._tx = None
        if self._events:
            self._on_commit()


class OutboxRelay:
    """Publishes outbox rows to JetStream in batches until each is acknowledged."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        js: JetStreamContext,
        metrics: Metrics,
        *,
        batch_size: int = 500,
        sweep_interval: float = 1.0,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._js = js
        self._metrics = metrics
        self._batch = batch_size
        self._sweep = sweep_interval
        self._wake = asyncio.Event()
        self._stopping = False
        # Test-only fault injection: die between commit and publish, or between publish
        # and delete, to prove that no event is lost or duplicated on the bus.
        self._fault = os.environ.get("CRM_FAULT_RELAY", "")

    def wake(self) -> None:
        """Called at commit: relay now rather than at the next sweep."""
        self._wake.set()

    def stop(self) -> None:
        """Ask the loop to finish after the current batch."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Relay until stopped; back off on failures, never give up on a row."""
        backoff = 0.1
        while not self._stopping:
            try:
                sent = await self.relay_once()
            except Exception as exc:  # publish or database trouble: retry later
                log.warning("outbox relay failed, retrying in %.1fs: %r", backoff, exc)
                self._metrics.outbox_failures.inc()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.1
            if sent >= self._batch:
                continue  # more waiting: drain without sleeping
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._sweep)
            self._wake.clear()

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows were published and deleted."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"""SELECT id, event_id, subject, payload, created_at
                    FROM "{self._schema}".outbox ORDER BY id
                    LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self._batch,
            )
            await self._observe_backlog(conn, rows)
            if not rows:
                return 0
            if self._fault == "crash_before_publish":
                os.kill(os.getpid(), signal.SIGKILL)
            results = await asyncio.gather(
                *(
                    self._js.publish(
                        r["subject"], bytes(r["payload"]), headers={"Nats-Msg-Id": r["event_id"]}
                    )
                    for r in rows
                ),
                return_exceptions=True,
            )
            if self._fault == "crash_after_publish":
                os.kill(os.getpid(), signal.SIGKILL)
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
        if failed:
            raise RuntimeError(f"{len(failed)} outbox events not acknowledged: {failed[0][1]}")
        return len(done)

    async def _observe_backlog(self, conn: asyncpg.Connection, rows: list[Any]) -> None:
        if rows:
            oldest = rows[0]["created_at"].timestamp()
            self._metrics.outbox_oldest_age.set(max(0.0, time.time() - oldest))
        else:
            self._metrics.outbox_oldest_age.set(0.0)
        self._metrics.outbox_backlog.set(len(rows))


def _failed(result: object) -> bool:
    return isinstance(result, BaseException)
