"""The live streams (SSE) of this process: how many each holder has, and ending them.

A user or a token holds at most `per_holder` streams at once (the next is refused with 429).
Each stream is tied to its credential — a session or a token — and ends within
`check_seconds` once that credential is no longer live: signed out (here at once), a new
password (which deletes the user's sessions, from any process), expired, or the token
revoked. One check asks the database about every open stream's credentials at once.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from gateway.domain.people import Principal
from gateway.handlers.errors import Refusal

Live = Callable[[set[str], set[str]], Awaitable[set[str]]]
"""(session hashes, token ids) → the credentials among them still live."""


@dataclass(eq=False)
class Ticket:
    """One open stream: whose, on which credential, and how to end it."""

    holder: str
    credential: str
    end: Callable[[], None] = field(default=lambda: None)
    released: bool = False


class Streams:
    """The open streams of the process, by holder and by credential."""

    def __init__(self, per_holder: int = 8) -> None:
        self.per_holder = per_holder
        self.open: set[Ticket] = set()
        self.held: Counter[str] = Counter()

    def admit(self, principal: Principal) -> Ticket:
        """A new stream for `principal`, or 429 when they hold `per_holder` already."""
        if self.held[principal.holder] >= self.per_holder:
            raise Refusal(
                429,
                "too_many_streams",
                f"открыто уже {self.per_holder} живых потоков событий на одного пользователя "
                f"или токен; закройте лишние вкладки или соединения",
                headers={"Retry-After": "5"},
                retry_after=5,
            )
        ticket = Ticket(principal.holder, principal.credential)
        self.open.add(ticket)
        self.held[ticket.holder] += 1
        return ticket

    def release(self, ticket: Ticket) -> None:
        """The stream is over (any number of calls)."""
        if ticket.released:
            return
        ticket.released = True
        self.open.discard(ticket)
        self.held[ticket.holder] -= 1
        if self.held[ticket.holder] <= 0:
            del self.held[ticket.holder]

    def end(self, credential: str) -> None:
        """End every stream of `credential` now."""
        self._end(t for t in self.open if t.credential == credential)

    def _end(self, tickets: Iterable[Ticket]) -> None:
        for ticket in list(tickets):
            with contextlib.suppress(Exception):
                ticket.end()

    async def check(self, live: Live) -> None:
        """End the streams whose credential is no longer live (one round of the check)."""
        credentials = {t.credential for t in self.open}
        if not credentials:
            return
        sessions = {c.removeprefix("session:") for c in credentials if c.startswith("session:")}
        tokens = {c.removeprefix("token:") for c in credentials if c.startswith("token:")}
        alive = await live(sessions, tokens)
        # Only the credentials asked about: a stream opened while the database answered was
        # not among them, and is not ended for it (its credential is checked next round).
        gone = credentials - alive
        self._end(t for t in self.open if t.credential in gone)
