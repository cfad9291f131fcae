"""Reading a Bitrix24 portal as its incoming webhook does (`https://<portal>/rest/<user>/<key>/`),
or a folder of the same methods' answers saved before.

A listing method answers 50 rows a page with `next` (the `start` of the following page) and
`total`; the portal allows about 2 requests a second and answers 503 `QUERY_LIMIT_EXCEEDED`
beyond, so requests are spaced and that answer waits and retries, longer each time. The
rate is the command's `--rate` (2 by default; a portal on a plan that allows more, or a
stand-in portal in the tests, may be read faster), the back-off two intervals, doubling.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import httpx

from crm_cli.bus import CliError
from crm_shared.locale.imports import line

PAGE = 50
RATE = 2.0
"""Requests a second by default: Bitrix24's own limit."""
RETRIES = 6


class Source(Protocol):
    """Where the portal's rows come from."""

    short: dict[str, tuple[int, int]]
    """Listings known to be incomplete: method → (rows read, the `total` its pages said)."""

    def rows(self, method: str, params: dict[str, Any] | None = None) -> AsyncIterator[Any]:
        """Every row of a listing method, page after page."""
        ...

    async def close(self) -> None:
        """Let go of what it holds."""


class Portal:
    """A live portal through its webhook address."""

    def __init__(
        self,
        webhook: str,
        *,
        rate: float = RATE,
        timeout: float = 30.0,
    ) -> None:
        self.base = webhook.rstrip("/") + "/"
        self.interval = 1.0 / rate
        self.backoff = 2.0 * self.interval
        self.waited = 0
        self.http = httpx.AsyncClient(timeout=timeout)
        self._last = 0.0
        self.requests = 0
        self.short: dict[str, tuple[int, int]] = {}
        """Never: a portal's listing is followed to its end (`next`)."""

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One method's answer; QUERY_LIMIT_EXCEEDED waits and retries, other errors are
        CliError naming the method and the portal's words."""
        for attempt in range(RETRIES):
            await self._space()
            try:
                reply = await self.http.post(f"{self.base}{method}.json", json=params)
            except httpx.HTTPError as exc:
                raise CliError(line("no_answer", method=method, problem=repr(exc)), 3) from None
            self.requests += 1
            body = _json(reply)
            code = str(body.get("error", "")) if isinstance(body, dict) else ""
            if code == "QUERY_LIMIT_EXCEEDED" or reply.status_code == 429:
                self.waited += 1
                await asyncio.sleep(self.backoff * 2**attempt)
                continue
            if code or reply.status_code >= 400:
                raise _refused(method, reply.status_code, code, body)
            if not isinstance(body, dict) or "result" not in body:
                raise CliError(line("no_result", method=method, status=reply.status_code), 3)
            return body
        raise CliError(line("limited", method=method, times=RETRIES), 3)

    async def _space(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last = time.monotonic()

    async def rows(self, method: str, params: dict[str, Any] | None = None) -> AsyncIterator[Any]:
        """Every row of a listing method: pages of 50 by `start`, until no `next`."""
        start: int | None = 0
        while start is not None:
            body = await self.call(method, {**(params or {}), "start": start})
            result = body["result"]
            for row in _listed(result):
                yield row
            nxt = body.get("next")
            start = int(nxt) if nxt is not None and _listed(result) else None

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()


class Folder:
    """Answers saved before: `<method>.json` holds one answer or a list of pages (answers)."""

    def __init__(self, path: Path) -> None:
        if not path.is_dir():
            raise CliError(line("no_folder", path=path), 2)
        self.path = path
        self.short: dict[str, tuple[int, int]] = {}

    async def rows(self, method: str, params: dict[str, Any] | None = None) -> AsyncIterator[Any]:
        """Every row of every saved page of `method` (none when it was not saved); a method
        asked with an `id` (a pipeline's stages) is read from `<method>.<id>.json`. Pages
        holding fewer rows than their `total` says are noted in `short`."""
        given = (params or {}).get("id")
        file = self.path / (f"{method}.{given}.json" if given is not None else f"{method}.json")
        if not file.exists():
            return
        try:
            saved = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CliError(line("not_json", path=file, problem=exc), 2) from None
        pages = saved if isinstance(saved, list) else [saved]
        count, total = 0, None
        for page in pages:
            result = page.get("result", page) if isinstance(page, dict) else page
            if isinstance(page, dict) and isinstance(page.get("total"), int):
                total = max(total or 0, page["total"])
            for row in _listed(result):
                count += 1
                yield row
        if total is not None and count < total:
            self.short[method] = (count, total)

    async def close(self) -> None:
        """Nothing to close."""


def _listed(result: Any) -> list[Any]:
    """The rows of a page: a list, or the one list inside a dict (`{"stages": [...]}`)."""
    if isinstance(result, list):
        return result
    if isinstance(result, dict):
        lists = [v for v in result.values() if isinstance(v, list)]
        return lists[0] if len(lists) == 1 else []
    return []


def _json(reply: httpx.Response) -> Any:
    try:
        return reply.json()
    except ValueError:
        return {}


def _refused(method: str, status: int, code: str, body: Any) -> CliError:
    words = body.get("error_description", "") if isinstance(body, dict) else ""
    if status == 401 or code in {"INVALID_CREDENTIALS", "expired_token", "NO_AUTH_FOUND"}:
        return CliError(line("webhook_refused", code=code or status, words=words), 2)
    return CliError(line("refused", method=method, status=status, code=code, words=words), 3)
