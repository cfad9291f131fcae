"""The board with 100,000 deals: its first page, a column's next page, a drag-to-move.

The deals (and an open task for each active one) are generated in SQL as the funnel bench
does; the services and the gateway run as processes. Page times are measured at the client
on localhost, sequentially (one person at a time), so they are the server's time plus a
loopback round trip. The drag is measured in Chromium by the board's own script: from the
drop to the card drawn in its new column (the server's answer placed), as a person sees it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench import funnel
from bench.load import percentile
from bench.procs import ROOT
from crm_shared.machinery.db import asyncpg_dsn
from tests.board_support import chromium_missing, column, drag, launch, sign_in

PASSWORD = "bench board password"
_TASKS = """
INSERT INTO task.tasks (id, deal_id, stage, title, creator_id, responsible_id, deadline,
                        opened_at, deal_version, status)
SELECT 'bt-' || d.id, d.id, d.stage, 'Задача стадии', 'rop-1', d.responsible_id,
       now() + make_interval(mins => (abs(hashtext(d.id)) % 4000) - 1000), now(), d.version,
       'open'
FROM deal.deals d WHERE d.stage <> 'LOST_SPAM';
VACUUM (ANALYZE) task.tasks
"""


@dataclass
class BoardTiming:
    """Milliseconds of each request or move, in order."""

    deals: int
    first_page_ms: list[float] = field(default_factory=list)
    next_page_ms: list[float] = field(default_factory=list)
    move_ms: list[float] = field(default_factory=list)
    browser_note: str = ""

    def p95(self, name: str) -> float | None:
        """The 95th percentile of one series (None when it was not measured)."""
        values: list[float] = getattr(self, name)
        return percentile(sorted(values), 95) if values else None


async def generate(database_url: str, deals: int) -> None:
    """`deals` deals with their history, and an open stage task for every active one."""
    await funnel.generate(database_url, deals)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for statement in filter(str.strip, _TASKS.split(";")):
            await conn.execute(statement)
    finally:
        await conn.close()


def set_password(env: dict[str, str], user_id: str) -> None:
    """`python -m gateway users set-password USER --stdin`."""
    subprocess.run(
        [sys.executable, "-m", "gateway", "users", "set-password", user_id, "--stdin"],
        input=PASSWORD, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip


async def _moved(page: Any, count: int, timeout: float = 10.0) -> None:
    """Until the board's script has timed `count` moves. Polled with `evaluate`, not
    `wait_for_function`, whose predicate is a string evaluated in the page, which the
    board's Content-Security-Policy (no 'unsafe-eval') refuses."""
    deadline = time.monotonic() + timeout
    while len(await page.evaluate("window.crmMoveTimes || []")) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the board timed {count - 1} moves or fewer in {timeout} s")
        await asyncio.sleep(0.05)


async def pages(url: str, timing: BoardTiming, rounds: int) -> None:
    """The РОП's whole board (every deal in scope), then a column paged down."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        signed = await http.post("/api/session", json={"user_id": "rop-1", "password": PASSWORD})
        signed.raise_for_status()
        for i in range(rounds + 3):
            start = time.perf_counter()
            reply = await http.get("/board")
            took = (time.perf_counter() - start) * 1000
            reply.raise_for_status()
            if i >= 3:  # warm-up: the first plans and connections
                timing.first_page_ms.append(took)
        board = (await http.get("/api/deals/board")).json()
        cursor = next(c for c in board["stages"] if c["code"] == "NEW_LEAD")["next_cursor"]
        for i in range(rounds + 3):
            start = time.perf_counter()
            reply = await http.get(
                "/board/columns/NEW_LEAD/more",
                params={"cursor": cursor},
                headers={"HX-Request": "true"},
            )
            took = (time.perf_counter() - start) * 1000
            reply.raise_for_status()
            page = await http.get(
                "/api/deals", params={"stage": "NEW_LEAD", "cursor": cursor, "limit": 25}
            )
            cursor = page.json()["next_cursor"]
            if i >= 3:
                timing.next_page_ms.append(took)


async def moves(url: str, timing: BoardTiming, count: int) -> None:
    """Drag the top card of «Получили ответ» back to «Сделали предложение», `count` times."""
    reason = chromium_missing()
    if reason:
        timing.browser_note = reason
        return
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await launch(pw)
        try:
            page = await sign_in(browser, url, "Анна Петрова", PASSWORD)
            source, target = column(page, "Получили ответ"), column(page, "Сделали предложение")
            for i in range(count + 2):
                top = source.get_by_role("listitem").first
                await drag(page, top, target)
                try:
                    await _moved(page, i + 1)
                except Exception:
                    await page.screenshot(path=str(ROOT / ".crm-data" / "bench-board-move.png"))
                    raise
            times = await page.evaluate("window.crmMoveTimes")
            timing.move_ms = [float(t) for t in times[2:]]
        finally:
            await browser.close()
