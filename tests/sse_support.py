"""The gateway's live feed (`/api/events`, server-sent events) as the e2e tests read it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Sse:
    """One SSE message (or a comment, when `comment` is set)."""

    id: int | None = None
    event: str | None = None
    data: dict[str, Any] | None = None
    comment: str | None = None


async def messages(reply: httpx.Response) -> AsyncIterator[Sse]:
    current = Sse()
    async for line in reply.aiter_lines():
        if line == "":
            if current.id is not None or current.comment is not None:
                yield current
            current = Sse()
        elif line.startswith(":"):
            yield Sse(comment=line[1:].strip())
        elif line.startswith("id: "):
            current.id = int(line[4:])
        elif line.startswith("event: "):
            current.event = line[7:]
        elif line.startswith("data: "):
            current.data = json.loads(line[6:])


async def read_events(http: httpx.AsyncClient, count: int, **kwargs: Any) -> list[Sse]:
    """The first `count` events of a new connection (comments left out)."""
    got: list[Sse] = []

    async def run() -> None:
        async with http.stream("GET", "/api/events", **kwargs) as reply:
            assert reply.status_code == 200, await reply.aread()
            assert reply.headers["content-type"].startswith("text/event-stream")
            async for m in messages(reply):
                if m.id is not None:
                    got.append(m)
                    if len(got) >= count:
                        return

    await asyncio.wait_for(run(), timeout=30)
    return got
