"""Whether the servers the launcher was told to use (CRM_NATS_URL, CRM_DATABASE_URL) answer."""

from __future__ import annotations

import asyncio
import socket

import asyncpg
import nats
from nats import errors as nats_errors

from crm_shared.machinery.db import asyncpg_dsn
from crm_shared.machinery.redact import mask_urls

REACH_ATTEMPTS = 3  # tries (about a second apart) before an external server is called unreachable


def unreachable(what: str, url: str) -> str:
    """'' when the server `what` ("NATS" or "PostgreSQL") at `url` answers, else why not,
    in Russian (the launcher says it to the person who started it)."""
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
        return describe_ru(errors[-1] if errors else exc)
    await nc.close()
    return ""


async def _postgres_answers(url: str) -> str:
    """'' when PostgreSQL at `url` accepts a connection (a few tries), else why not."""
    problem = ""
    for _ in range(REACH_ATTEMPTS):
        try:
            conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            problem = describe_ru(exc)
            await asyncio.sleep(1)
            continue
        await conn.close()
        return ""
    return problem


def describe_ru(exc: BaseException) -> str:
    """Why a connection failed, for the operator: «соединение отклонено»; a reason only the
    server or the library words is quoted as it came («password authentication failed…»)."""
    if isinstance(exc, ConnectionRefusedError):
        return "соединение отклонено"
    if isinstance(exc, socket.gaierror):
        return f"адрес не найден («{exc.strerror}»)"
    if isinstance(exc, TimeoutError):
        return "нет ответа (время ожидания истекло)"
    if isinstance(exc, nats_errors.NoServersError):
        return "ни один сервер не ответил"
    if isinstance(exc, nats_errors.Error):
        text = str(exc).removeprefix("nats: ").strip("'")
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return f"«{mask_urls(text)}»"
