"""A closed deal's card offers no move: WON and the failure stages refuse every move (README,
«Closed deals do not move»), and the card still offered «Перевести» with «Спам» chosen."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client


async def test_a_closed_deals_card_says_it_is_closed_instead_of_a_move(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        deal = await client.deal_for("mgr-1", title="Закрытая")
        move_form = f'hx-post="/board/deals/{deal["id"]}/move"'
        assert move_form in (await ivan.get(f"/deals/{deal['id']}")).text  # open: it moves
        lost = {"to_stage": "LOST_SPAM", "failure_comment": "спам"}
        moved = await ivan.post(f"/api/deals/{deal['id']}/move", json=lost)
        assert moved.status_code == 200, moved.text
        card = (await ivan.get(f"/deals/{deal['id']}")).text
        assert move_form not in card
        assert "закрытая сделка не переводится" in card
