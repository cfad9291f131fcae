"""asyncpg's array parameters without two ABC checks for every element (issue 25).

asyncpg encodes a list parameter (every `unnest($1::text[], ...)` write of a batch, every
`= ANY($1)`) after finding the array's shape: for each element it asks whether it is itself
an array, as `isinstance(element, collections.abc.Iterable)` and then `Sized`. Each answer is
a call of `ABCMeta.__instancecheck__` in Python, about 0.2 µs, so 0.4 µs for every string of
every array; on a lead's path there are some 40 such elements in deal-service's write alone
(`cProfile` with a CPU clock: 86 ABC checks a lead, all from asyncpg's `_do_execute`).
Encoding an array of 500 strings, measured alone: 334-340 µs a call as asyncpg ships,
124-142 µs with the checks below.

The two names are globals of asyncpg's compiled protocol module, which it reads at each
call; `quicker_array_checks` sets both to the concrete types that are arrays to us, which
`isinstance` matches in C. What changes: a parameter for an array column must be one of
`CONTAINERS` (asyncpg took any sized iterable; a generator never was one). A string, bytes
or a mapping is still refused, a tuple inside an array is still a record, a list inside
one still a dimension. `tests/integration/test_pg_arrays.py` holds these on a real server.
"""

from __future__ import annotations

import array
from collections import deque

import asyncpg.protocol.protocol as _protocol

CONTAINERS: tuple[type, ...] = (
    list,
    tuple,
    set,
    frozenset,
    range,
    deque,
    array.array,
    type({}.keys()),
    type({}.values()),
)
"""What asyncpg takes as an array parameter once `quicker_array_checks` has run."""


def quicker_array_checks() -> bool:
    """Set asyncpg's element checks to `CONTAINERS` (once per process; idempotent).

    False if this asyncpg has no such names (a version that checks differently): then
    nothing is changed, and the test that holds this module fails."""
    names = ("IterableABC", "SizedABC")
    if not all(hasattr(_protocol, name) for name in names):
        return False
    for name in names:
        setattr(_protocol, name, CONTAINERS)
    return True
