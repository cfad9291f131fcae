"""More of the board in Chromium (issue 15): the keyboard through the dialog of missing
fields, and a deal handed to another manager leaving one board for the other, live.

It shares test_board_browser's stand and browser (a module of its own keeps that one short).
"""

from __future__ import annotations

from typing import Any

from tests.board_support import card, column, shot, sign_in
from tests.e2e.test_board_browser import IVAN, MARIA, browser, new_deal, stand, title
from tests.gateway_support import PASSWORD, Door

__all__ = ["browser", "stand"]  # the fixtures, used by name


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
    await ivan.wait_for_function(where)  # not <body>: the keyboard goes on from the card
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
