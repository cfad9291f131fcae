"""Whether the servers the launcher was told to use (CRM_NATS_URL, CRM_DATABASE_URL) answer."""

from __future__ import annotations

import asyncio

import asyncpg
import nats

from crm_shared.machinery.db import asyncpg_dsn
from crm_shared.machinery.health import describe

REACH_ATTEMPTS = 3  # tries (about a second apart) before an external server is called unreachable


def unreachable(what: str, url: str) -> str:
    """'' when the server `what` ("NATS" or "PostgreSQL") at `url` answers, else why not."""
    answers = _nats_answers if what == "NATS" else _postgres_answers
    return asyncio.run(answers(url))


async def _nats_answers(url: str) -> str:
    """'' when NATS at `url` accepts us (tried a few times over some seconds), else why not."""
    errors: list[BaseException] = []

    async def note(exc: Exception) -> None:
        errors.append(exc)

    try:
        nc = await asyncio.wait_for(
            nats.connect(
                url,
                error_cb=note,
                max_reconnect_attempts=REACH_ATTEMPTS,
                reconnect_time_wait=1,
                connect_timeout=2,
            ),
            timeout=15,
        )
    except Exception as exc:
        return describe(errors[-1] if errors else exc)
    await nc.close()
    return ""


async def _postgres_answers(url: str) -> str:
    """'' when PostgreSQL at `url` accepts a connection (a few tries), else why not."""
    problem = ""
    for _ in range(REACH_ATTEMPTS):
        try:
            conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            problem = describe(exc)
            await asyncio.sleep(1)
            continue
        await conn.close()
        return ""
    return problem
