"""The JetStream half of a backup: the durable consumers' positions, the streams' snapshots
(the server's `$JS.API.STREAM.SNAPSHOT` API) and their restore (`$JS.API.STREAM.RESTORE`).

Snapshots are taken without their consumers: a consumer's state at the end of a snapshot is
later than the database dump, and would skip messages whose effects the dump lacks. Each
durable consumer is made again at restore from the position it had *before* the dump
(`positions`), so that everything after it is delivered again and the inboxes drop what the
dump had already applied (docs/operations.md#backup-and-restore).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError

from crm_cli.backup.failures import Said, quoted
from crm_shared.machinery.bus import STREAMS

API = "$JS.API"
CHUNK = 128 * 1024
API_TIMEOUT = 10.0
# The streams whose messages come out of the services' outboxes: cut at restore to what the
# database dump had committed (what is after the cut is either re-sent by a restored outbox
# or came from a commit the dump does not have).
OUTBOX_STREAMS = ("CRM_EVENTS", "CRM_NOTIFY")

Progress = Callable[[int], None]


class StreamError(Said):
    """The NATS server refused a snapshot or a restore: the message says why."""


async def _api(nc: NatsClient, subject: str, body: dict[str, Any] | None = None) -> Any:
    raw = json.dumps(body or {}).encode()
    msg = await nc.request(f"{API}.{subject}", raw, timeout=API_TIMEOUT)
    reply = json.loads(msg.data) if msg.data else {}
    if isinstance(reply, dict) and reply.get("error"):
        error = reply["error"]
        step = f"NATS отказал в запросе {subject}"
        raise StreamError(quoted(step, "NATS", str(error.get("description", error))))
    return reply


async def stream_names(nc: NatsClient) -> list[str]:
    """The project's streams that exist on the server."""
    present = []
    for name in STREAMS:
        try:
            await _api(nc, f"STREAM.INFO.{name}")
        except StreamError as exc:
            if "not found" in str(exc):
                continue
            raise
        present.append(name)
    return present


async def stream_state(nc: NatsClient, name: str) -> dict[str, Any]:
    """The stream's state (messages, bytes, first_seq, last_seq)."""
    info = await _api(nc, f"STREAM.INFO.{name}")
    state: dict[str, Any] = info["state"]
    return state


async def positions(nc: NatsClient, names: list[str]) -> list[dict[str, Any]]:
    """Each durable consumer of these streams: its configuration and the stream sequence up
    to which it has acknowledged everything (its ack floor), read before the dump."""
    found: list[dict[str, Any]] = []
    for stream in names:
        listing = await _api(nc, f"CONSUMER.LIST.{stream}", {"offset": 0})
        for info in listing.get("consumers") or []:
            config = info["config"]
            if not config.get("durable_name"):
                continue  # an ordered consumer (the gateway's SSE): made again by its owner
            found.append(
                {
                    "stream": stream,
                    "name": info["name"],
                    "config": config,
                    "ack_floor": int(info["ack_floor"].get("stream_seq", 0)),
                }
            )
    return found


async def snapshot(nc: NatsClient, name: str, out: BinaryIO, progress: Progress) -> dict[str, Any]:
    """Write the stream's snapshot (an s2-compressed tar, as the server makes it) to `out`;
    returns the server's `config` and `state` of the stream at that moment."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    try:
        meta = await _api(
            nc,
            f"STREAM.SNAPSHOT.{name}",
            {"deliver_subject": inbox, "no_consumers": True, "chunk_size": CHUNK},
        )
        while True:
            msg = await sub.next_msg(timeout=60)
            status = (msg.headers or {}).get("Status")
            if status and status not in ("204", "200"):
                step = f"не удалось снять снимок потока {name}"
                raise StreamError(quoted(step, "NATS", f"{status} {msg.headers}"))
            if not msg.data:
                break
            out.write(msg.data)
            progress(len(msg.data))
            if msg.reply:
                await nc.publish(msg.reply, b"")
    finally:
        await sub.unsubscribe()
    return {"config": meta["config"], "state": meta["state"]}


async def restore(
    nc: NatsClient, meta: dict[str, Any], data: Path, progress: Progress
) -> dict[str, Any]:
    """Create the stream from its snapshot; returns its state once restored."""
    name = meta["config"]["name"]
    reply = await _api(nc, f"STREAM.RESTORE.{name}", meta)
    deliver = reply["deliver_subject"]
    with data.open("rb") as source:
        while chunk := source.read(64 * 1024):
            answer = await nc.request(deliver, chunk, timeout=API_TIMEOUT)
            if answer.data and b'"error"' in answer.data:
                step = f"не удалось восстановить поток {name}"
                raise StreamError(quoted(step, "NATS", answer.data.decode()))
            progress(len(chunk))
    done = await nc.request(deliver, b"", timeout=600)
    final = json.loads(done.data)
    if final.get("error"):
        step = f"не удалось восстановить поток {name}"
        raise StreamError(quoted(step, "NATS", str(final["error"].get("description"))))
    state: dict[str, Any] = final["state"]
    return state


async def cut(nc: NatsClient, name: str, after: int) -> int:
    """Delete the stream's messages after sequence `after`; returns how many there were."""
    state = await stream_state(nc, name)
    removed = 0
    for seq in range(after + 1, int(state["last_seq"]) + 1):
        try:
            await _api(nc, f"STREAM.MSG.DELETE.{name}", {"seq": seq, "no_erase": True})
        except StreamError as exc:
            if "no message found" in str(exc) or "not found" in str(exc):
                continue
            raise
        removed += 1
    return removed


async def resume_consumers(nc: NatsClient, consumers: list[dict[str, Any]]) -> None:
    """Make each durable consumer again, delivering from just after its ack floor."""
    for item in consumers:
        config = dict(item["config"])
        config["deliver_policy"] = "by_start_sequence"
        config["opt_start_seq"] = int(item["ack_floor"]) + 1
        config.pop("opt_start_time", None)
        await _api(
            nc,
            f"CONSUMER.CREATE.{item['stream']}.{item['name']}",
            {"stream_name": item["stream"], "config": config},
        )


async def occupied(nc: NatsClient) -> list[str]:
    """The project's streams that hold messages (a restore would mix into them)."""
    busy = []
    for name in await stream_names(nc):
        if int((await stream_state(nc, name)).get("messages", 0)):
            busy.append(name)
    return busy


async def delete_streams(nc: NatsClient) -> None:
    """Delete the project's streams (a restore asked to overwrite them, or empty ones)."""
    js = nc.jetstream(timeout=API_TIMEOUT)
    for name in STREAMS:
        try:
            await js.delete_stream(name)
        except NotFoundError:
            continue
