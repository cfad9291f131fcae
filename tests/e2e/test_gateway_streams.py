"""The live streams held to their credential: sign-out, a new password and a revoked token
end them within 2 s; at most 8 per user or token; a resume replays a bounded number."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from crm_shared.config import load_config
from crm_shared.machinery.db import create_pool
from gateway.adapters.store import PeopleStore
from gateway.handlers.auth import set_password
from tests.gateway_support import door
from tests.sse_support import messages, read_events
from tests.support import Client, eventually

EVENT = b'{"type": "crm.task.opened.v1", "data": {}}'


def _open(http: httpx.AsyncClient, path: str = "/api/events", **kw: Any) -> asyncio.Task[int]:
    """A stream read until the server ends it; the task's result is its status."""

    async def run() -> int:
        async with http.stream("GET", path, **kw) as reply:
            async for _ in reply.aiter_lines():
                pass
            return reply.status_code

    return asyncio.create_task(run())


async def _ends_within(stream: asyncio.Task[int], seconds: float) -> float:
    started = time.monotonic()
    status = await asyncio.wait_for(stream, timeout=seconds + 3)
    took = time.monotonic() - started
    assert status == 200
    assert took < seconds, took
    return took


async def test_sign_out_a_new_password_and_a_revocation_end_the_streams(clean: Any) -> None:
    async with door(clean, services=False) as d:
        hub = d.gateway.hubs["events"]
        # Signing out ends the session's streams (both feeds), not another session's.
        async with d.as_user("mgr-1") as out, d.as_user("mgr-1") as stays:
            mine = [_open(out), _open(out, "/api/notifications/events")]
            other = _open(stays)
            await eventually(lambda: len(hub.listeners) == 2)
            assert (await out.delete("/api/session")).status_code == 204
            for stream in mine:
                await _ends_within(stream, 2)
            await asyncio.sleep(1.5)
            assert not other.done()  # the other session of the same person goes on

            # A new password (set by an operator from another process) ends every session.
            pool = await create_pool(clean.database_url, min_size=1, max_size=1)
            try:
                await set_password(load_config(), PeopleStore(pool), "mgr-1", "новый пароль 1")
            finally:
                await pool.close()
            await _ends_within(other, 2.5)

        # Revoking a token ends its streams.
        made = await d.token("feed", ["events:read"])
        async with d.client(headers={"Authorization": f"Bearer {made.token}"}) as bot:
            stream = _open(bot)
            await eventually(lambda: hub.listeners)
            await d.gateway.ctx.tokens.revoke("feed")
            await _ends_within(stream, 2.5)
        assert not d.gateway.ctx.streams.open


async def test_at_most_eight_streams_per_user_or_token(clean: Any) -> None:
    async with door(clean, services=False) as d, d.as_user("mgr-2") as http:
        hub = d.gateway.hubs["events"]
        streams = [_open(http) for _ in range(8)]
        await eventually(lambda: len(hub.listeners) == 8)
        refused = await http.get("/api/events")
        assert refused.status_code == 429
        error = refused.json()["error"]
        assert error["code"] == "too_many_streams"
        assert "потоков" in error["message"]
        assert refused.headers["retry-after"]
        # Another person is not counted against mgr-2, and a closed stream frees its place.
        async with d.as_user("rop-1") as rop:
            theirs = _open(rop)
            await eventually(lambda: len(hub.listeners) == 9)
            theirs.cancel()
        streams[0].cancel()
        await eventually(lambda: len(d.gateway.ctx.streams.open) == 7)
        again = _open(http)
        await eventually(lambda: len(hub.listeners) == 8)
        for stream in [*streams, again]:
            stream.cancel()
        await asyncio.gather(*streams, again, return_exceptions=True)
        await eventually(lambda: not d.gateway.ctx.streams.open)


async def test_a_resume_replays_a_bounded_number_of_events(clean: Any, client: Client) -> None:
    async with door(clean, services=False, sse_max_replay=3) as d, d.as_user("rop-1") as rop:
        for _ in range(6):
            await client.js.publish("crm.task.opened", EVENT)
        # The feed reads the stream's mirror, which copies asynchronously: were the stream
        # opened before the six arrive there, the newest would come live, not as a replay.
        feed = d.gateway.hubs["events"].feed.stream

        async def mirrored() -> bool:
            return (await client.js.stream_info(feed)).state.last_seq == 6

        await eventually(mirrored)
        got: list[Any] = []

        async def run() -> None:
            async with rop.stream("GET", "/api/events", headers={"Last-Event-ID": "0"}) as reply:
                async for m in messages(reply):
                    if m.id is not None:
                        got.append(m)
                        if len(got) == 4:
                            return

        await asyncio.wait_for(run(), timeout=20)
        notice, *events = got
        assert notice.event == "replay_truncated"
        assert notice.data == {
            "code": "replay_truncated",
            "message": "пропущено слишком много событий; обновите страницу",
            "after": 3,
        }
        assert [m.id for m in events] == [4, 5, 6]
        # Within the bound a resume is whole, as before.
        assert [m.id for m in await read_events(rop, 2, headers={"Last-Event-ID": "4"})] == [5, 6]
        assert d.gateway.hubs["events"].following
