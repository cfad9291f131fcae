"""A steady stream of leads through the gateway's HTTP door, as a web source sends them.

A POST that gets no 2xx (the gateway killed mid-request, a refused connection, a 5xx) is
sent again with the same external id, as a form connector retries; a lead counts as
accepted once it was answered 202, which the gateway does only after JetStream stored it.
Those are the leads that must become deals: a 2xx must never be lost.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bench.door import Connection, post_lead
from bench.stream import LeadStream


@dataclass
class HttpLeadStream(LeadStream):
    """`LeadStream`, but each lead is POSTed to /api/leads on `port` with `token`."""

    port: int = 0
    token: str = ""

    async def start(self) -> None:
        """Nothing to connect ahead: every send opens its own connection."""

    async def _send(
        self, ext: str, body: bytes, *, track: bool = True, msg_id: str | None = None
    ) -> None:
        # msg_id: the base class's signature; HTTP intake keys a lead on its external id.
        n = int(ext.rsplit("-", 1)[-1])
        request = post_lead("127.0.0.1", self.port, self.token, ext, n)
        for attempt in range(600):
            try:
                conn = await Connection("127.0.0.1", self.port).open()
                try:
                    status, _ = await asyncio.wait_for(conn.send(request), 10)
                finally:
                    conn.close()
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                status = 0
            if status == 202:
                if track:
                    self.accepted.add(ext)
                return
            self.publish_retries += 1
            await asyncio.sleep(min(0.1 * 2**attempt, 1.0))
        raise RuntimeError(f"lead {ext} not accepted after 600 attempts")
