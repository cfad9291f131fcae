"""What failed in `crm backup` / `crm restore`, said in Russian: the sentence names the step
that failed, and the words of the tool or server that refused (pg_dump's, pg_restore's,
PostgreSQL's, NATS's) follow in quotes as they said them, for an operator to search."""

from __future__ import annotations

import asyncio

import asyncpg
from nats import errors as nats_errors

STEPS = {
    "pg_dump": "не удалось снять дамп схемы",
    "pg_restore": "не удалось восстановить схему из дампа",
}
MOST = 600
"""Characters of a tool's own words quoted at most."""


class Said(RuntimeError):
    """A failure already said in Russian (its text is the whole sentence)."""


def quoted(step: str, who: str, text: str) -> str:
    """«<step>: <who> ответил «<their words>»» (their last non-empty line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return f"{step}: {who} ничего не сообщил"
    return f"{step}: {who} ответил «{lines[-1]}»"


def tool_failed(tool: str, output: str) -> str:
    """A PostgreSQL tool's failure: which step, then its own words from its first error line
    on (`pg_dump: error: connection … failed: …` and the hint after it), on one line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    first = next((n for n, line in enumerate(lines) if "error:" in line), 0)
    words = " ".join(lines[first:])[:MOST]
    return quoted(STEPS.get(tool, f"{tool} завершился с ошибкой"), tool, words)


def explain(exc: BaseException) -> str:
    """Any failure of a backup or a restore as a Russian sentence (the original quoted)."""
    if isinstance(exc, Said):
        return str(exc)
    if isinstance(exc, asyncpg.PostgresError):
        return quoted("PostgreSQL отказал", "сервер", str(exc))
    if isinstance(exc, nats_errors.NoServersError):
        return quoted("нет связи с NATS", "клиент", str(exc) or "no servers")
    if isinstance(exc, nats_errors.Error):
        return quoted("NATS отказал", "сервер", str(exc) or type(exc).__name__)
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "сервер не ответил вовремя"
    if isinstance(exc, OSError):
        return quoted("нет связи с сервером или нет доступа к файлу", "система", str(exc))
    return quoted("непредвиденная ошибка", type(exc).__name__, str(exc) or "—")
