"""The board in a real browser: Debian's Chromium driven by Playwright, no browser download.

One browser process per worker (the contexts a module leaves are closed after it); each
person gets their own context (cookies), as two people at two computers would. Screenshots
go to .crm-data/artefacts/ for a person to look at.

The browser speaks Russian and runs in UTC while the stand's configuration is in
Asia/Yekaterinburg (UTC+5): a time the board shows right is the server's doing, in the
configured zone, and never the browser's (issue 21).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_shared.config import CrmConfig
from gateway.entrypoints.http.deps import COOKIE
from tests.configs import config_with
from tests.conftest import reset
from tests.gateway_support import PASSWORD, TLS, Door, door

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[1] / ".crm-data" / "artefacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1440, "height": 900}
ZONE = "Asia/Yekaterinburg"


def zoned_config() -> CrmConfig:
    """The shipped configuration with the team in Yekaterinburg."""
    return config_with(change=lambda data: data.update(timezone=ZONE))


TABLET = {"width": 1024, "height": 768}


def chromium_missing() -> str | None:
    """Why the board cannot be driven in a browser here, or None."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def need_chromium() -> None:
    """Skip, saying why, where there is no Chromium or no Playwright (CI installs both)."""
    import pytest

    reason = chromium_missing()
    if reason:
        pytest.skip(reason)


async def launch(pw: Any) -> Any:
    """Debian's Chromium, headless."""
    return await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


async def sign_in(
    browser: Any, url: str, user_name: str, password: str, *, form: bool = False, **kw: Any
) -> Any:
    """A new person at a new computer: their own context, signed in, on the board.

    `form`: through the sign-in form, as a person does. Otherwise the session is opened over
    HTTP (POST /api/session, the same use case) and its cookie put in the new context: the
    form's page and post cost Chromium about half a second of CPU a person, and the form
    itself is tried by the tests that pass `form=True` and by test_gateway_signin."""
    context = await browser.new_context(
        viewport=kw.get("viewport", LAPTOP), locale=kw.get("locale", "ru-RU"), timezone_id="UTC"
    )
    page = await context.new_page()
    if form:
        await page.goto(f"{url}/signin")
        await page.get_by_label("Пользователь").select_option(label=user_name)
        await page.get_by_label("Пароль").fill(password)
        await page.get_by_role("button", name="Войти").click()
    else:
        await context.add_cookies([await _session_cookie(url, user_name, password)])
        await page.goto(f"{url}/board")
    await page.get_by_role("heading", name="Воронка продаж").wait_for()
    return page


async def _session_cookie(url: str, user_name: str, password: str) -> dict[str, Any]:
    """A session of the user named so (as the sign-in form lists them), as a cookie."""
    async with httpx.AsyncClient(base_url=url, timeout=20, verify=TLS) as http:
        listed = (await http.get("/signin")).text
        found = re.search(rf'<option value="([^"]+)"[^>]*>{re.escape(user_name)}</option>', listed)
        assert found, f"{user_name!r} is not on the sign-in form"
        body = {"user_id": found.group(1), "password": password}
        opened = await http.post("/api/session", json=body)
        assert opened.status_code == 200, opened.text
        return {"name": COOKIE, "value": opened.cookies[COOKIE], "url": url, "httpOnly": True}


async def shot(page: Any, name: str, full: bool = False) -> Path:
    """Save a screenshot under .crm-data/artefacts/."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full)
    return path


async def wait_until(page: Any, expression: str, arg: Any = None, timeout: float = 30_000) -> None:
    """Playwright's `wait_for_function`, polled with `evaluate`: the pages' CSP has no
    'unsafe-eval', which the polling of `wait_for_function` needs once its first check fails."""
    loop = asyncio.get_running_loop()
    ends = loop.time() + timeout / 1000
    while not await page.evaluate(expression, arg):
        if loop.time() > ends:
            raise TimeoutError(f"not true within {timeout:.0f} ms: {expression}")
        await asyncio.sleep(0.1)


def column(page: Any, stage_name: str) -> Any:
    """A column's list of cards, found by the stage's name as people read it."""
    return page.get_by_role("list", name=stage_name, exact=True)


def card(page: Any, title: str) -> Any:
    """A card, found by its title."""
    return page.get_by_role("listitem").filter(has=page.get_by_role("link", name=title, exact=True))


async def drag(page: Any, source: Any, target: Any) -> None:
    """Drag with the mouse in small steps, as a hand does (SortableJS's fallback mode)."""
    await source.scroll_into_view_if_needed()
    a = await source.bounding_box()
    b = await target.bounding_box()
    assert a and b, "the card or the target is not on the screen"
    await page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 12)
    await page.mouse.down()
    await page.mouse.move(a["x"] + a["width"] / 2 + 8, a["y"] + 20, steps=4)
    await page.mouse.move(b["x"] + b["width"] / 2, b["y"] + min(40, b["height"] / 2), steps=12)
    # The card left its column on the way: look again where the target is now, as an eye does.
    b = await target.bounding_box()
    assert b, "the target left the screen"
    await page.mouse.move(b["x"] + b["width"] / 2, b["y"] + min(40, b["height"] / 2), steps=3)
    await page.mouse.up()


# --- fixtures (a pytest plugin: tests/conftest.py's `pytest_plugins`), once per module -----


@pytest.fixture(scope="module")
async def stand(infra: Any) -> AsyncIterator[Door]:
    """The whole stack with the gateway, once for the module that asks for it."""
    need_chromium()
    await reset(infra)
    async with door(infra, config=zoned_config()) as d:
        yield d


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Any]:
    """One Chromium (and one Playwright driver) for the whole run of a worker: each start
    costs a second or two of CPU, and every person gets a new context anyway."""
    need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await launch(pw)
        yield b
        await b.close()


@pytest.fixture(scope="module")
async def browser(stand: Door, chromium: Any) -> AsyncIterator[Any]:
    """The worker's Chromium, for a module: the contexts the module left open (a test that
    failed half-way) are closed at its end, so the next module starts with none."""
    yield chromium
    await close_contexts(chromium)


async def close_contexts(browser: Any) -> None:
    """Close every context of the browser (every person's pages)."""
    for context in list(browser.contexts):
        with contextlib.suppress(Exception):
            await context.close()


async def new_deal(d: Door, user: str, **fields: Any) -> dict[str, Any]:
    """A deal made through the JSON API by `user`."""
    body = {"contact": {"name": "Пётр Сидоров", "phone": "+79123456789"}, **fields}
    async with d.as_user(user) as http:
        made = await http.post("/api/deals", json=body)
        assert made.status_code == 201, made.text
        deal: dict[str, Any] = made.json()["deal"]
        return deal


def title() -> str:
    """A new deal's title, unique in a run: its tag ends in a digit, so that the locale tests
    never read it as an English word (a tag of letters only, «dbcfcb», once failed one)."""
    return f"Кирпич {uuid.uuid4().hex[:5]}{uuid.uuid4().int % 10}"


async def deal_now(d: Door, user: str, deal_id: str) -> dict[str, Any]:
    """The deal as it is now, read through the JSON API as `user`."""
    async with d.as_user(user) as http:
        reply = await http.get(f"/api/deals/{deal_id}")
        assert reply.status_code == 200, reply.text
        deal: dict[str, Any] = reply.json()["deal"]
        return deal


async def sign_in_here(page: Any, user_name: str) -> None:
    """Fill in and send the sign-in form the page shows."""
    await page.get_by_label("Пользователь").select_option(label=user_name)
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Войти").click()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    """Mark a test whose call failed, for the screenshots below."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.fixture(autouse=True)
async def screens_on_failure(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A browser test that fails leaves every open page under .crm-data/artefacts/
    (failed-<test>-<context><page>.png), to be looked at."""
    yield
    b = getattr(request.node, "funcargs", {}).get("browser")
    if b is None or not request.node.stash.get(_FAILED, False):
        return
    for i, ctx in enumerate(b.contexts):
        for j, page in enumerate(ctx.pages):
            with contextlib.suppress(Exception):
                await shot(page, f"failed-{request.node.name[:80]}-{i}{j}", full=True)
