"""asyncpg's array parameters with the quicker element checks (machinery.pg_arrays): what
was an array is one still, what was refused is refused still, on a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import asyncpg.protocol.protocol as protocol
import pytest

from crm_shared.machinery.db import asyncpg_dsn
from crm_shared.machinery.pg_arrays import CONTAINERS, quicker_array_checks
from tests.conftest import Infra


@pytest.fixture
async def conn(infra: Infra) -> AsyncIterator[asyncpg.Connection]:
    assert quicker_array_checks(), "this asyncpg has no IterableABC/SizedABC to set"
    connection = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        yield connection
    finally:
        await connection.close()


def test_the_checks_are_set_on_asyncpgs_protocol_module() -> None:
    assert quicker_array_checks()
    assert protocol.IterableABC is CONTAINERS
    assert protocol.SizedABC is CONTAINERS


@pytest.mark.parametrize(
    "value",
    [["a", "ёж", None], ("a", "ёж", None), {"x": 1}.keys(), {1: "a"}.values()],
)
async def test_what_our_code_passes_is_an_array(conn: asyncpg.Connection, value: Any) -> None:
    got = await conn.fetchval("SELECT $1::text[]", [str(v) if v is not None else None
                                                    for v in value])  # fmt: skip
    assert got == [str(v) if v is not None else None for v in value]
    assert await conn.fetchval("SELECT cardinality($1::text[])", value) == len(list(value))


async def test_sets_and_ids_for_any(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch("SELECT x FROM unnest($1::text[]) AS x ORDER BY x", {"b", "a"})
    assert [r["x"] for r in rows] == ["a", "b"]
    assert await conn.fetchval("SELECT 'a' = ANY($1::text[])", frozenset({"a"}))


async def test_ranges_and_nested_lists(conn: asyncpg.Connection) -> None:
    assert await conn.fetchval("SELECT $1::int[]", range(3)) == [0, 1, 2]
    assert await conn.fetchval("SELECT $1::int[]", [[1, 2], [3, 4]]) == [[1, 2], [3, 4]]
    assert await conn.fetchval("SELECT array_ndims($1::int[])", [[1, 2], [3, 4]]) == 2
    with pytest.raises(asyncpg.DataError, match="non-homogeneous"):
        await conn.fetchval("SELECT $1::int[]", [[1, 2], 3])


@pytest.mark.parametrize("value", ["abc", b"abc", {"a": 1}, (x for x in "ab")])
async def test_a_string_bytes_a_mapping_or_a_generator_is_refused(
    conn: asyncpg.Connection, value: Any
) -> None:
    with pytest.raises(asyncpg.DataError, match="sized iterable container expected"):
        await conn.fetchval("SELECT $1::text[]", value)
