"""The board in Chromium against the real stack: the funnel page, as a manager and the РОП
use it (dragging, stale views, what each may see, long columns, a lost connection, a deal by
hand, the keyboard through the dialog of missing fields, a deal handed to another manager).

Each test acts as a person does (by role and visible text) and checks what they see; the
other pages are in test_board_pages.
"""

from __future__ import annotations

from typing import Any

import pytest

from crm_shared.config import load_config
from crm_shared.devstack import free_port
from gateway.bootstrap import Gateway
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
from tests.gateway_support import PASSWORD, Door, gateway_settings

expect = pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
).expect
ANNA, IVAN, MARIA = "Анна Петрова", "Иван Иванов", "Мария Смирнова"


async def test_a_manager_drags_a_card_fills_what_is_missing_and_another_board_sees_it(
    stand: Door, browser: Any
) -> None:
    name = title()
    await new_deal(stand, "mgr-1", title=name, amount="150000")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD, form=True)
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await card(anna, name).wait_for()  # the РОП sees every deal
    await card(ivan, name).wait_for()
    await shot(ivan, "board")

    # To «Сделали предложение»: the server refuses and the dialog asks for exactly that.
    await drag(ivan, card(ivan, name), column(ivan, "Сделали предложение"))
    dialog = ivan.get_by_role("dialog", name="Перевести в «Сделали предложение»")
    await dialog.wait_for()
    text = await dialog.inner_text()
    for field in ("Требования", "Предмет сделки", "Способ доставки"):
        assert field in text
    assert "Сумма" not in text.split("заполните:")[1].split(".")[0]  # it has one already
    await card(ivan, name).wait_for()  # snapped back
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 1
    await shot(ivan, "move-dialog")

    await dialog.get_by_label("Требования").fill("20 поддонов, доставка в Тверь")
    await dialog.get_by_label("Предмет сделки").fill("Кирпич облицовочный")
    await dialog.get_by_label("Способ доставки").select_option(label="Доставка")
    await dialog.get_by_role("button", name="Сохранить и перевести").click()
    await column(ivan, "Сделали предложение").get_by_role("link", name=name).wait_for()
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 0
    landed = card(ivan, name)
    assert "Кирпич облицовочный" in await landed.inner_text()
    head = ivan.get_by_role("region", name="Сделали предложение").get_by_title("Сделок")
    await expect(head).to_have_text("1", timeout=5000)  # the column's count, live

    # The РОП's board, open all along, shows the move without a reload.
    await column(anna, "Сделали предложение").get_by_role("link", name=name).wait_for(timeout=5000)
    assert await column(anna, "Новый лид").get_by_role("link", name=name).count() == 0
    await anna.context.close()
    await ivan.context.close()


async def test_a_stale_board_says_the_deal_was_changed_and_refreshes(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name, requirements="10 коробок")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await card(ivan, name).wait_for()
    # Someone else changes the deal; this board still holds the old version when dragging.
    await ivan.evaluate("document.getElementById('live-feed').remove()")
    async with stand.as_user("rop-1") as http:
        changed = await http.patch(f"/api/deals/{deal['id']}", json={"company": "ООО Стройка"})
        assert changed.status_code == 200, changed.text
    await drag(ivan, card(ivan, name), column(ivan, "Обрабатываем запрос"))
    await ivan.get_by_role("dialog", name="Сделку уже изменили").wait_for()
    await shot(ivan, "stale")
    await ivan.get_by_role("button", name="Понятно").click()
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 1
    await ivan.context.close()


async def test_a_manager_never_sees_another_managers_deal(stand: Door, browser: Any) -> None:
    mine, theirs = title(), title()
    await new_deal(stand, "mgr-1", title=mine)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD, viewport=TABLET)
    other = await new_deal(stand, "mgr-2", title=theirs)  # while Ivan's board is open
    await card(ivan, mine).wait_for()
    await new_deal(stand, "mgr-1", title=mine + " 2")  # a live event Ivan does see ...
    await card(ivan, mine + " 2").wait_for()
    assert await card(ivan, theirs).count() == 0  # ... and Maria's came before it
    await ivan.reload()
    await card(ivan, mine).wait_for()
    assert await card(ivan, theirs).count() == 0
    await shot(ivan, "board-tablet")
    reply = await ivan.goto(f"{stand.url}/deals/{other['id']}")
    assert reply is not None and reply.status in (403, 404)  # refused by the service or hidden
    # Nor can the board's own routes change it (a request made by hand, with the token).
    await ivan.go_back()
    csrf = await ivan.evaluate("document.body.dataset.csrf")
    moved = await ivan.request.post(
        f"{stand.url}/board/deals/{other['id']}/move",
        form={"to_stage": "LOST_SPAM"},
        headers={"X-CSRF-Token": csrf},
    )
    assert moved.status in (403, 404)
    await ivan.context.close()


async def test_a_long_column_shows_more_cards_on_demand(stand: Door, browser: Any) -> None:
    async with stand.as_user("mgr-2") as http:
        for i in range(27):
            made = await http.post(
                "/api/deals", json={"title": f"Пачка {i:02d}", "contact": {"name": "Оптовик"}}
            )
            assert made.status_code == 201
    maria = await sign_in(browser, stand.url, MARIA, PASSWORD)
    first = column(maria, "Новый лид")
    await first.get_by_role("link", name="Пачка 26").wait_for()
    assert await first.get_by_role("link", name="Пачка 00").count() == 0
    await first.get_by_role("button", name="Показать ещё").click()
    await first.get_by_role("link", name="Пачка 00").wait_for()
    assert await first.get_by_role("button", name="Показать ещё").count() == 0
    await maria.context.close()


async def test_after_a_lost_connection_the_board_catches_up(
    stand: Door, browser: Any, infra: Any
) -> None:
    # A gateway of this test's own, restarted on the same port while the board is open.
    settings = gateway_settings(infra, http_port=free_port())
    first = Gateway(settings, load_config())
    await first.start()
    url = f"http://127.0.0.1:{settings.http_port}"
    ivan = await sign_in(browser, url, IVAN, PASSWORD)
    await wait_until(ivan, "document.body.dataset.live === 'on'")
    await first.stop()
    await wait_until(ivan, "document.body.dataset.live === 'lost'", timeout=10_000)
    name = title()
    await new_deal(stand, "mgr-1", title=name)  # made while the board is cut off
    second = Gateway(settings, load_config())
    await second.start()
    try:
        await card(ivan, name).wait_for(timeout=20_000)
        await wait_until(ivan, "document.body.dataset.live === 'on'")
    finally:
        await ivan.context.close()
        await second.stop()


async def test_a_deal_made_by_hand(stand: Door, browser: Any) -> None:
    name = title()
    maria = await sign_in(browser, stand.url, MARIA, PASSWORD, viewport=TABLET)
    await maria.get_by_role("button", name="+ Новая сделка").click()
    dialog = maria.get_by_role("dialog", name="Новая сделка")
    await dialog.get_by_label("Название").fill(name)
    await dialog.get_by_label("Имя контакта").fill("Ольга Кузнецова")
    await dialog.get_by_label("Сумма").fill("12 500,50")
    await shot(maria, "new-deal")
    await dialog.get_by_role("button", name="Создать").click()
    await maria.get_by_role("heading", name=name).wait_for()
    assert await maria.get_by_label("Сумма").input_value() == "12\u00a0500,50"  # Russian
    await maria.get_by_role("link", name="← Доска").click()
    await column(maria, "Новый лид").get_by_role("link", name=name).wait_for()
    await maria.context.close()


async def test_the_rop_filters_the_board_by_manager_live_too(stand: Door, browser: Any) -> None:
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    # everyone who may hold a deal, managers first: the РОП too (a walkthrough's deal she took)
    offered = await anna.get_by_label("Менеджер").locator("option").all_inner_texts()
    assert offered == ["Все", IVAN, MARIA, ANNA], offered
    await anna.get_by_label("Менеджер").select_option(label=MARIA)
    await anna.wait_for_url("**/board?manager=mgr-2")
    await wait_until(anna, "document.body.dataset.live === 'on'")
    ivans, marias = title(), title()
    await new_deal(stand, "mgr-1", title=ivans)
    await new_deal(stand, "mgr-2", title=marias)
    await card(anna, marias).wait_for()
    assert await card(anna, ivans).count() == 0
    await anna.context.close()


async def test_a_keyboard_move_through_the_dialog_keeps_the_focus_on_the_card(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)  # no Требования: the dialog asks
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await card(ivan, name).get_by_role("link", name=name).focus()
    await ivan.keyboard.press("ArrowRight")
    dialog = ivan.get_by_role("dialog", name="Перевести в «Обрабатываем запрос»")
    await dialog.wait_for()
    await dialog.get_by_label("Требования").fill("30 поддонов")
    await dialog.get_by_role("button", name="Сохранить и перевести").focus()
    await ivan.keyboard.press("Enter")
    await column(ivan, "Обрабатываем запрос").get_by_role("link", name=name).wait_for()
    await dialog.wait_for(state="detached")
    where = f"document.activeElement === document.querySelector('#deal-{deal['id']} a.title')"
    await wait_until(ivan, where)  # not <body>: the keyboard goes on from the card
    await shot(ivan, "keyboard-dialog-focus")
    await ivan.keyboard.press("ArrowLeft")  # and it works from there
    await column(ivan, "Новый лид").get_by_role("link", name=name).wait_for()
    await ivan.context.close()


async def test_a_deal_handed_to_another_manager_leaves_one_board_for_the_other(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    maria = await sign_in(browser, stand.url, MARIA, PASSWORD)
    await card(ivan, name).wait_for()
    assert await card(maria, name).count() == 0
    async with stand.as_user("rop-1") as http:
        handed = await http.patch(f"/api/deals/{deal['id']}", json={"responsible_id": "mgr-2"})
        assert handed.status_code == 200, handed.text
    # Without a reload: gone from Ivan's board (no card left to click into a 403) ...
    await card(ivan, name).wait_for(state="detached", timeout=5000)
    # ... and on Maria's.
    await column(maria, "Новый лид").get_by_role("link", name=name).wait_for(timeout=5000)
    await shot(maria, "handed-over")
    await ivan.context.close()
    await maria.context.close()


async def test_a_card_let_go_on_a_zones_title_goes_there_and_off_every_column_stays(
    stand: Door, browser: Any
) -> None:
    """A card dragged across the columns and let go on a drop zone's title went to the last
    column it crossed («Перевести в «Отправили счёт»…»): only the strip under the title took
    a drop. Now the whole zone does, and a card let go off every column and zone goes back."""
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await drag(ivan, card(ivan, name), ivan.locator("#drop-name-LOST_EXPENSIVE"))
    dialog = ivan.get_by_role("dialog", name="Перевести в «Дорого (с комментарием)»")
    await dialog.get_by_label("Комментарий при провале").wait_for()
    await dialog.get_by_role("button", name="Отмена").click()
    await dialog.wait_for(state="detached")
    # over another column, then let go on the page's heading: no move, the card is back
    a = await card(ivan, name).bounding_box()
    b = await column(ivan, "Сделали предложение").bounding_box()
    c = await ivan.get_by_role("heading", name="Воронка продаж").bounding_box()
    assert a and b and c
    await ivan.mouse.move(a["x"] + a["width"] / 2, a["y"] + 12)
    await ivan.mouse.down()
    for x, y in ((a["x"] + 40, a["y"] + 30), (b["x"] + b["width"] / 2, b["y"] + 60)):
        await ivan.mouse.move(x, y, steps=10)
    await ivan.mouse.move(c["x"] + 20, c["y"] + c["height"] / 2, steps=10)
    await ivan.mouse.up()
    await column(ivan, "Новый лид").get_by_role("link", name=name).wait_for()
    assert await ivan.get_by_role("dialog").count() == 0
    assert (await deal_now(stand, "mgr-1", deal["id"]))["stage"] == "NEW_LEAD"
    await ivan.context.close()
