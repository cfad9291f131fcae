"""Durable JetStream consumer that hands messages to a handler in batches.

Why not FastStream's batch subscriber: it waits until a batch is full or its timeout runs
out, which adds that timeout to every event's latency under light load. Here pull requests
stand on the server (`crm_shared.machinery.pull`), the loop takes whatever has arrived (up to
`batch_size`) as soon as it is free, and the whole batch is handled in one transaction:
throughput comes from batching, latency stays at one delivery.

Failure policy (FastStream's NATS default would drop a message whose handler fails; we never
do): a message that cannot be parsed, for whatever reason (bad JSON, nesting too deep, a
5,000-digit number, anything the parser raises), or that the handler rejects as invalid, goes
to `crm.dlq.<service>` with its reason and is acked; any other failure naks the batch with a
growing delay. A failing batch is retried message by message so one poison message cannot
hold up the others. A message that keeps failing for a reason of its own is dead-lettered
after MAX_ATTEMPTS real failures (at once when the failure is poison: see machinery.faults);
a transient fault (database or bus down) retries for ever, counts as no attempt and is
logged once per outage; hence failures are counted here, not read from JetStream's delivery
count (which counts every redelivery). The count lives in the process: after a restart, or
on another replica, a message gets its attempts again (a later dead letter, never sooner).
Nothing a message does ends the loop: an error outside a handler naks the batch and goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from crm_shared.contracts.base import MAX_BODY_BYTES
from crm_shared.machinery.bus import REPLAY_HEADER, dead_letter
from crm_shared.machinery.faults import is_poison, is_transient
from crm_shared.machinery.loops import Streak
from crm_shared.machinery.metrics import Metrics
from crm_shared.machinery.pull import PullFeed, deliveries_of, sequence_of

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 5
# How long a delivered message may stay unacknowledged before JetStream hands it out again
# (after a crash, that is how long the killed process's last batch waits). Fault runs
# shorten it (ServiceSettings.ack_wait_seconds); it applies when the durable consumer is created.
ACK_WAIT_SECONDS = 30.0
# How many messages' failure counts a consumer remembers (the oldest are forgotten first).
_MAX_TRACKED = 100_000


class Invalid(Exception):
    """Raised by a parser: the message is malformed and will never succeed."""


@dataclass
class Item(Generic[T]):
    """A parsed message; the handler may `reject` it with a reason (it is then dead-lettered)."""

    msg: Msg
    value: T
    event_id: str
    rejected: str | None = field(default=None)

    def reject(self, reason: str) -> None:
        """Mark as bad input: it is acked and dead-lettered after the batch commits."""
        self.rejected = reason


class BatchConsumer(Generic[T]):
    """Pulls from a durable consumer and calls `handle(items)` once per fetched batch."""

    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        *,
        service: str,
        stream: str,
        durable: str,
        subject: str,
        parse: Callable[[Msg], tuple[str, T]],
        handle: Callable[[list[Item[T]]], Awaitable[None]],
        metrics: Metrics,
        batch_size: int = 500,
        filter_subjects: list[str] | None = None,
    ) -> None:
        self._nc = nc
        self._js = js
        self._service = service
        self._stream = stream
        self._durable = durable
        self._subject = subject
        # Several subjects in one stream order (NATS ≥ 2.10): the server then skips what the
        # handler would only ack unread. Applies when the durable consumer is created.
        self._filters = filter_subjects
        self._parse = parse
        self._handle = handle
        self._metrics = metrics
        self._consumed = metrics.messages_consumed.labels(durable)  # looked up once, not per
        self._batch_sizes = metrics.batch_size.labels(durable)  # message (a lock, a dict)
        self._batch = batch_size
        self._running = False
        self._feed: PullFeed | None = None
        self._failures: dict[int, int] = {}
        self._outage = Streak(f"{durable}: handler", log)
        self._pulls = Streak(f"{durable}: pull", log)
        self.last_batch_at = 0.0

    async def run(self, *, ack_wait: float = ACK_WAIT_SECONDS) -> None:
        """Subscribe and consume until `stop()` (`ack_wait`: for a durable created now)."""
        config = ConsumerConfig(
            durable_name=self._durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subject=None if self._filters else self._subject,
            filter_subjects=self._filters,
            ack_wait=ack_wait,
            max_deliver=-1,
            max_ack_pending=20_000,
        )
        try:
            await self._js.consumer_info(self._stream, self._durable)
        except NotFoundError:
            await self._js.add_consumer(self._stream, config=config)
        self._feed = feed = PullFeed(
            self._nc, stream=self._stream, durable=self._durable, batch=self._batch
        )
        await feed.start()
        self._running = True
        in_hand: list[Msg] = []
        try:
            while self._running:
                try:
                    msgs = await feed.next_batch()
                except Exception as exc:  # bus reconnecting: try again shortly
                    self._pulls.failed(exc, "pulling again every 0.5 s")
                    await asyncio.sleep(0.5)
                    continue
                if self._nc.is_connected:  # a pull may come back (empty) while it is not
                    self._pulls.succeeded()
                if msgs:
                    in_hand = msgs
                    await self._process_guarded(msgs)
                    in_hand = []
                    self.last_batch_at = asyncio.get_running_loop().time()
        finally:
            # Delivered but not handled (a batch cut short by a late stop or a crash): back at
            # once, not after ack_wait (an acked one is not: nats-py refuses a second answer).
            for msg in [*in_hand, *await feed.close()]:
                with contextlib.suppress(Exception):
                    await msg.nak()

    @property
    def durable(self) -> str:
        """The durable JetStream consumer this loop pulls from."""
        return self._durable

    def stop(self) -> None:
        """Finish the current batch and return from `run`."""
        self._running = False
        if self._feed is not None:
            self._feed.interrupt()

    async def _process_guarded(self, msgs: list[Msg]) -> None:
        """`process`, and whatever escapes it (a dead letter that could not be published, a
        bug) naks the batch instead of ending the loop: what was acked stays acked."""
        try:
            await self.process(msgs)
        except Exception:
            log.exception(
                "%s: batch of %d not processed; redelivery in 1s", self._durable, len(msgs)
            )
            for msg in msgs:
                with contextlib.suppress(Exception):
                    await msg.nak(delay=1.0)

    async def process(self, msgs: list[Msg]) -> None:
        """Parse, dead-letter the malformed, handle the rest in one go, then ack."""
        items: list[Item[T]] = []
        for msg in msgs:
            if deliveries_of(msg) > 1:
                self._metrics.redeliveries.labels(self._durable).inc()
            item = await self._parse_one(msg)
            if item is not None:
                items.append(item)
        if not items:
            return
        try:
            await self._handle(items)
        except Exception as exc:
            if len(items) > 1:
                # Find the culprit: retry each alone so the good ones go through.
                self._warn(exc, f"batch of {len(items)} failed ({exc!r}); retrying singly")
                for one in items:
                    one.rejected = None
                    await self._handle_single(one)
                return
            await self._fail(items[0], exc)
            return
        await self._finish(items)

    async def _handle_single(self, item: Item[T]) -> None:
        try:
            await self._handle([item])
        except Exception as exc:
            await self._fail(item, exc)
        else:
            await self._finish([item])

    async def _finish(self, items: list[Item[T]]) -> None:
        self._outage.succeeded()
        self._batch_sizes.observe(len(items))
        for item in items:
            if item.rejected is not None:
                await self._dead_letter(item.msg, item.rejected, "rejected")
            else:
                self._consumed.inc()
            if self._failures:  # nothing failed lately: no count to forget
                self._failures.pop(sequence_of(item.msg), None)
            await item.msg.ack()

    async def _fail(self, item: Item[T], exc: Exception) -> None:
        transient = is_transient(exc)
        failures = 0 if transient else self._count_failure(item.msg)
        if not transient and (failures >= MAX_ATTEMPTS or is_poison(exc)):
            log.error(
                "%s: giving up on message after %d failures: %r", self._durable, failures, exc
            )
            reason = f"handler failed {failures} time(s): {exc!r}"
            await self._dead_letter(item.msg, reason, "failed")
            self._failures.pop(sequence_of(item.msg), None)
            await item.msg.ack()
            return
        self._metrics.retries.labels(self._durable, "transient" if transient else "error").inc()
        delay = min(0.2 * 2 ** min(deliveries_of(item.msg), 8), 30.0)
        self._warn(exc, f"handler failed ({exc!r}); redelivery in {delay:.1f}s")
        with contextlib.suppress(Exception):
            await item.msg.nak(delay=delay)

    def _warn(self, exc: Exception, line: str) -> None:
        """A transient fault (database or bus down) is said once per outage, not per message."""
        if is_transient(exc):
            self._outage.failed(exc, "redelivered with a growing delay, not as an attempt")
        else:
            log.warning("%s: %s", self._durable, line)

    def _count_failure(self, msg: Msg) -> int:
        key = sequence_of(msg)
        count = self._failures.pop(key, 0) + 1
        self._failures[key] = count  # re-inserted: the dict stays in order of last failure
        if len(self._failures) > _MAX_TRACKED:
            del self._failures[next(iter(self._failures))]
        return count

    async def _parse_one(self, msg: Msg) -> Item[T] | None:
        if len(msg.data) > MAX_BODY_BYTES:
            await self._dead_letter_and_ack(
                msg,
                f"message is {len(msg.data)} bytes, over the {MAX_BODY_BYTES} byte limit",
                "too_large",
            )
            return None
        try:
            event_id, value = self._parse(msg)
        except Invalid as exc:
            await self._dead_letter_and_ack(msg, str(exc), "invalid")
            return None
        except Exception as exc:  # whatever a parser raises, the same bytes raise it again
            await self._dead_letter_and_ack(msg, f"cannot be parsed: {exc!r}", "invalid")
            return None
        replay = (msg.headers or {}).get(REPLAY_HEADER)
        if replay:
            event_id = f"{event_id}~replay:{replay}"
        return Item(msg=msg, value=value, event_id=event_id)

    async def _dead_letter_and_ack(self, msg: Msg, reason: str, kind: str) -> None:
        await self._dead_letter(msg, reason, kind)
        await msg.ack()

    async def _dead_letter(self, msg: Msg, reason: str, kind: str) -> None:
        log.warning("%s: dead-lettering message: %s", self._durable, reason)
        # If the DLQ publish fails we raise, the message is not acked, and it comes back.
        await dead_letter(
            self._js, self._service, msg, reason, limit=self._nc.max_payload, kind=kind
        )
        self._metrics.dead_letters.labels(self._durable, kind).inc()
