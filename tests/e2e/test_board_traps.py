"""The board's small traps, in Chromium against the real stack: nothing a click does is lost
or done twice (a failed drag, a select that did not know the deal's value,
an expired session), and the failure stages that need a comment ask for it.

Each test acts as a person does (by role and visible text); a failure of the network or the
server is made with Playwright's `page.route`, the gateway itself is real.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.board_support import (
    TABLET,
    card,
    column,
    deal_now,
    drag,
    new_deal,
    shot,
    sign_in,
    title,
    wait_until,
)
from tests.gateway_support import PASSWORD, Door
from tests.support import eventually

expect = pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
).expect
ANNA, IVAN, MARIA = "Анна Петрова", "Иван Иванов", "Мария Смирнова"


@pytest.mark.parametrize(
    ("failure", "said"),
    [("network", "Нет связи с сервером"), ("server", "На сервере что-то пошло не так")],
)
async def test_a_failed_drag_puts_the_card_back_and_says_why(
    stand: Door, browser: Any, failure: str, said: str
) -> None:
    name = title()
    await new_deal(stand, "mgr-1", title=name, requirements="10 поддонов")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await card(ivan, name).wait_for()

    keys: list[str] = []
    ivan.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key", ""))
            if r.url.endswith("/move") and r.method == "POST"
            else None
        ),
    )

    async def fail(route: Any) -> None:
        if failure == "network":
            await route.abort("connectionfailed")
        else:
            await route.fulfill(status=500, body="Internal Server Error", content_type="text/plain")

    await ivan.route("**/board/deals/*/move", fail)
    await drag(ivan, card(ivan, name), column(ivan, "Обрабатываем запрос"))
    dialog = ivan.get_by_role("dialog", name="Не получилось")
    await expect(dialog).to_contain_text(said)
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 1
    assert await column(ivan, "Обрабатываем запрос").get_by_role("link", name=name).count() == 0
    assert "Internal Server Error" not in await ivan.locator("body").inner_text()
    await shot(ivan, f"failed-drag-{failure}")
    await dialog.get_by_role("button", name="Понятно").click()
    # The way back: the same drag once the network is there moves it.
    await ivan.unroute("**/board/deals/*/move")
    await drag(ivan, card(ivan, name), column(ivan, "Обрабатываем запрос"))
    await column(ivan, "Обрабатываем запрос").get_by_role("link", name=name).wait_for()
    # The retry is the same change: the same key (what reached the server first counts once).
    assert len(keys) == 2 and keys[0] == keys[1] and 0 < len(keys[0]) <= 64, keys
    await ivan.context.close()


async def test_a_kzt_deal_keeps_its_currency_when_another_field_is_saved(
    stand: Door, browser: Any
) -> None:
    gbp = await new_deal(stand, "mgr-1", title=title(), amount="900", currency="GBP")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    # A KZT deal made by hand: the dialog offers the configuration's currencies.
    await ivan.get_by_role("button", name="+ Новая сделка").click()
    dialog = ivan.get_by_role("dialog", name="Новая сделка")
    await dialog.get_by_label("Название").fill(name := title())
    await dialog.get_by_label("Имя контакта").fill("Айгуль Сейтова")
    await dialog.get_by_label("Сумма").fill("450 000")
    await dialog.get_by_label("Валюта").select_option("KZT")
    await dialog.get_by_role("button", name="Создать").click()
    await ivan.get_by_role("heading", name=name).wait_for()
    kzt = {"id": ivan.url.rsplit("/", 1)[1]}
    for deal, currency in ((kzt, "KZT"), (gbp, "GBP")):  # on the list, and one not on it
        await ivan.goto(f"{stand.url}/deals/{deal['id']}")
        assert await ivan.get_by_label("Валюта").input_value() == currency
        await ivan.get_by_label("Предмет сделки").fill("Кирпич облицовочный")
        await ivan.get_by_role("button", name="Сохранить").click()
        await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
        now = await deal_now(stand, "mgr-1", deal["id"])
        assert (now["currency"], now["subject"]) == (currency, "Кирпич облицовочный")
        assert await ivan.get_by_label("Валюта").input_value() == currency
    await ivan.get_by_label("Валюта").select_option("RUB")  # and it still changes on purpose

    async def slowly(route: Any) -> None:
        await asyncio.sleep(0.5)
        await route.continue_()

    await ivan.route(f"**/deals/{gbp['id']}", slowly)
    await ivan.get_by_role("button", name="Сохранить").click()
    # The last save's «Сохранено» is hidden while this one is on its way (it was read once
    # as this save's, while the deal was still in GBP).
    assert not await ivan.get_by_role("status").is_visible()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    await ivan.unroute(f"**/deals/{gbp['id']}")

    async def in_rub() -> bool:
        return (await deal_now(stand, "mgr-1", gbp["id"]))["currency"] == "RUB"

    await eventually(in_rub)
    await ivan.context.close()


async def test_a_deal_held_by_another_keeps_its_responsible(stand: Door, browser: Any) -> None:
    deal = await new_deal(stand, "rop-1", title=title(), responsible_id="rop-1")
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await anna.goto(f"{stand.url}/deals/{deal['id']}")
    responsible = anna.get_by_label("Ответственный")
    await expect(responsible.locator("option:checked")).to_have_text("Анна Петрова (РОП)")
    await anna.get_by_label("Компания").fill("ООО Стройка")
    await anna.get_by_role("button", name="Сохранить").click()
    await anna.get_by_role("status").filter(has_text="Сохранено").wait_for()
    now = await deal_now(stand, "rop-1", deal["id"])
    assert (now["responsible_id"], now["company"]) == ("rop-1", "ООО Стройка")
    await shot(anna, "deal-card-rop-holds", full=True)
    await anna.context.close()


async def test_a_drop_on_a_failure_stage_that_needs_a_comment_asks_for_it(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    expensive = ivan.get_by_role("list", name="Дорого (с комментарием)")
    await drag(ivan, card(ivan, name), expensive)
    dialog = ivan.get_by_role("dialog", name="Перевести в «Дорого (с комментарием)»")
    await dialog.get_by_label("Комментарий при провале").wait_for()
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 1
    assert (await deal_now(stand, "mgr-1", deal["id"]))["stage"] == "NEW_LEAD"  # asked first
    await shot(ivan, "failure-comment-dialog")
    await dialog.get_by_label("Комментарий при провале").fill("Нашли дешевле у соседей")
    await dialog.get_by_role("button", name="Сохранить и перевести").click()
    await card(ivan, name).wait_for(state="detached")
    now = await deal_now(stand, "mgr-1", deal["id"])
    assert (now["stage"], now["failure_comment"]) == ("LOST_EXPENSIVE", "Нашли дешевле у соседей")
    await ivan.context.close()


async def test_one_live_connection_a_tab_and_an_empty_column_says_so(
    stand: Door, browser: Any
) -> None:
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD, viewport=TABLET)
    streams: list[str] = []

    def path(url: str) -> str:
        return url.removeprefix(stand.url).split("?")[0]

    ivan.on(
        "request",
        lambda r: streams.append(r.url) if path(r.url) in ("/events", "/board/live") else None,
    )
    await ivan.reload()
    await wait_until(ivan, "document.body.dataset.live === 'on'")
    assert [path(u) for u in streams] == ["/board/live"]
    # from where the board was drawn (test_board_idle_race)
    assert re.search(r"\?from=\d+:\d+$", streams[0])
    shipped = column(ivan, "Отправили заказ")
    await expect(shipped.get_by_text("Нет сделок")).to_be_visible()
    # A notification of mine comes on that one connection too: the inbox badge counts it.
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    async with stand.as_user("mgr-1") as http:
        refused = await http.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "WON"})
        assert refused.status_code == 422, refused.text
    await expect(ivan.locator("#inbox-badge .badge")).to_be_visible(timeout=10_000)
    await shot(ivan, "board-empty-columns")
    await ivan.context.close()


async def test_a_delivered_deal_takes_an_address_shown_on_its_card(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name, delivery_method="pickup")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    address = ivan.get_by_label("Адрес доставки")
    await expect(address).to_be_hidden()  # a pickup needs none
    await ivan.get_by_label("Способ доставки").select_option(label="Доставка")
    await expect(address).to_be_visible()
    await address.fill("Тверь, ул. Советская, 5")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    now = await deal_now(stand, "mgr-1", deal["id"])
    assert (now["delivery_method"], now["delivery_address"]) == (
        "delivery",
        "Тверь, ул. Советская, 5",
    )
    await ivan.get_by_role("link", name="← Доска").click()
    await expect(card(ivan, name)).to_contain_text("Тверь, ул. Советская, 5")
    await ivan.context.close()


async def test_the_deal_cards_move_to_a_failure_stage_asks_for_the_comment_too(
    stand: Door, browser: Any
) -> None:
    deal = await new_deal(stand, "mgr-1", title=title())
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    comment = ivan.get_by_label("Комментарий при провале", exact=True).last
    await expect(comment).to_be_hidden()  # not asked for a stage that needs none
    await ivan.get_by_label("На стадию").select_option(label="Другое (с комментарием)")
    await expect(comment).to_be_visible()
    await comment.fill("Клиент передумал")
    await ivan.get_by_role("button", name="Перевести").click()
    await ivan.locator(".stage-pill", has_text="Другое (с комментарием)").wait_for()
    now = await deal_now(stand, "mgr-1", deal["id"])
    assert (now["stage"], now["failure_comment"]) == ("LOST_OTHER", "Клиент передумал")
    await ivan.context.close()


async def test_a_failed_save_is_said_in_words_and_the_page_stays(stand: Door, browser: Any) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    for answer, said in (
        ({"status": 500, "body": "Internal Server Error", "content_type": "text/plain"},
         "На сервере что-то пошло не так"),
        ({"status": 413, "body": '{"error":{"code":"too_large"}}',
         "content_type": "application/json"}, "Слишком много текста"),
        (None, "Нет связи с сервером"),
    ):  # fmt: skip
        await ivan.route(f"**/deals/{deal['id']}", _failing(answer))
        await ivan.get_by_label("Компания").fill("ООО Ромашка")
        await ivan.get_by_role("button", name="Сохранить").click()
        dialog = ivan.get_by_role("dialog", name="Не получилось")
        await expect(dialog).to_contain_text(said)
        body = await ivan.locator("body").inner_text()
        assert "Internal Server Error" not in body and "too_large" not in body
        await expect(ivan.get_by_role("heading", name=name)).to_be_visible()  # the page stays
        await expect(ivan.get_by_role("button", name="Сохранить")).to_be_enabled()
        await dialog.get_by_role("button", name="Понятно").click()
        await ivan.unroute(f"**/deals/{deal['id']}")
    await shot(ivan, "failed-save")
    await ivan.context.close()


def _failing(answer: dict[str, Any] | None) -> Any:
    """A route handler that answers `answer` (None: the connection fails)."""

    async def fail(route: Any) -> None:
        if answer is None:
            await route.abort("connectionfailed")
        else:
            await route.fulfill(**answer)

    return fail


async def test_an_amount_refused_in_the_dialog_is_asked_again_without_a_currency_field(
    stand: Door, browser: Any
) -> None:
    """The dialog of missing fields, answered with an amount that is no number: it asks again
    for what was sent, saying why, and the currency that came with the amount stays hidden
    (it used to appear as a «Валюта» field no one had asked for)."""
    name = title()
    await new_deal(stand, "mgr-1", title=name)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await drag(ivan, card(ivan, name), column(ivan, "Сделали предложение"))
    dialog = ivan.get_by_role("dialog", name="Перевести в «Сделали предложение»")
    await dialog.get_by_label("Сумма").fill("abc")
    await dialog.get_by_label("Требования").fill("20 поддонов")
    await dialog.get_by_label("Предмет сделки").fill("Кирпич")
    await dialog.get_by_label("Способ доставки").select_option(label="Доставка")
    await dialog.get_by_role("button", name="Сохранить и перевести").click()
    await dialog.get_by_role("alert").filter(has_text="Сумма: нужно число").wait_for()
    assert await dialog.get_by_label("Валюта").count() == 0
    await dialog.get_by_label("Сумма").fill("1 000")
    await dialog.get_by_role("button", name="Сохранить и перевести").click()
    await column(ivan, "Сделали предложение").get_by_role("link", name=name).wait_for()
    await ivan.context.close()
