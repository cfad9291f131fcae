"""Which failures are worth retrying: one place for consumers and request/reply alike.

A *transient* fault is one of the world, not of the message: the database or the bus is
down, restarting (`57P01` admin shutdown), read-only after a failover (`25006`), busy, or a
racing replica won a lock or a unique key. Retrying later succeeds, so it never counts as an
attempt of the message. A *poison* failure is one of the message itself: the same bytes fail
the same way every time (bad data for PostgreSQL, text that cannot be encoded, nesting too
deep), so waiting for more attempts only delays its dead letter.
"""

from __future__ import annotations

import asyncpg
import nats.errors
import nats.js.errors

TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,  # asyncio's and nats-py's too (both are this class on 3.11)
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # A connection cut mid-query (57P01) can leave asyncpg's protocol in a state it refuses
    # to leave ("cannot switch to state ..."): the pool drops that connection on release.
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.UniqueViolationError,  # a racing replica: redo, the inbox sorts it out
    nats.errors.ConnectionClosedError,
    nats.errors.NoServersError,
    nats.errors.NoRespondersError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,  # reconnecting, and the buffer for then is full
    nats.js.errors.ServiceUnavailableError,
)
# SQLSTATEs that mean "not now" rather than "never", whatever class asyncpg maps them to.
TRANSIENT_SQLSTATES = frozenset(
    {"57P01", "57P02", "57P03", "25006", "40001", "40P01", "53000", "53100", "53200", "53300"}
)
# A transaction that lost a race with another one and was rolled back whole (a deadlock
# between two replicas, a serialization failure, the other one inserted the key first):
# running the same work again at once sees the winner's commit (PostgreSQL's advice:
# "applications … should be prepared to retry transactions that fail due to deadlock").
RACES: tuple[type[BaseException], ...] = (
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
    asyncpg.UniqueViolationError,
)
POISON: tuple[type[BaseException], ...] = (
    asyncpg.DataError,  # class 22: a NUL byte (22021), a number out of range, …
    UnicodeError,
    RecursionError,
)


def is_transient(exc: BaseException) -> bool:
    """True when the same work is expected to succeed later, unchanged."""
    if isinstance(exc, TRANSIENT):
        return True
    state = getattr(exc, "sqlstate", None)
    return isinstance(state, str) and (state in TRANSIENT_SQLSTATES or state.startswith("08"))


def lost_a_race(exc: BaseException) -> bool:
    """True when the work's transaction was rolled back for another's and may run again now."""
    return isinstance(exc, RACES)


def is_poison(exc: BaseException) -> bool:
    """True when the message itself makes the work fail, every time."""
    return isinstance(exc, POISON) and not is_transient(exc)
