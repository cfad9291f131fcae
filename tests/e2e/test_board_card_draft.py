"""A refused save of the deal card loses nothing typed or chosen (nothing lost by a click):
the card comes back with the refusal, what was typed in its inputs and chosen in its selects,
and the stored values in the `was.` twins, so that correcting the one bad field and saving
again saves it all."""

from __future__ import annotations

import html
from typing import Any

from tests.gateway_support import door
from tests.support import Client


def _value(page: str, name: str) -> str:
    """The value of the input (or the text of the textarea) named `name`."""
    marker = f'name="{name}" value="'
    if marker in page:
        start = page.index(marker) + len(marker)
        return html.unescape(page[start : page.index('"', start)])
    start = page.index(f'<textarea name="{name}"')
    start = page.index(">", start) + 1
    return html.unescape(page[start : page.index("</textarea>", start)])


async def test_a_refused_save_keeps_what_was_typed(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        deal = await client.deal_for("mgr-1", title="Кирпич")
        card = (await ivan.get(f"/deals/{deal['id']}")).text
        form = {
            "title": "Кирпич М150, 2 поддона",
            "was.title": "Кирпич",
            "requirements": "доставка до 10:00 «срочно»",
            "was.requirements": "",
            "contact.phone": "12",
            "was.contact.phone": _value(card, "contact.phone"),
            "company": "",
            "was.company": "",
            "delivery_method": "delivery",
            "was.delivery_method": "",
            "contact.pays_by": "invoice",
            "was.contact.pays_by": "",
            "currency": "KZT",
            "was.currency": "RUB",
        }
        refused = await ivan.post(f"/deals/{deal['id']}", data=form)
        assert refused.status_code == 422
        page = refused.text
        assert 'role="alert"' in page
        assert _value(page, "title") == "Кирпич М150, 2 поддона"
        assert _value(page, "requirements") == "доставка до 10:00 «срочно»"
        assert _value(page, "contact.phone") == "12"
        assert _value(page, "was.title") == "Кирпич"  # the stored value: still a change
        assert _value(page, "was.requirements") == ""
        # and the choices made in its selects
        assert '<option value="delivery" selected>' in page
        assert '<option value="invoice" selected>' in page
        assert "<option selected>KZT</option>" in page
        assert "data-when-delivery hidden" not in page  # the address asked for, as chosen
        # The bad phone corrected, the rest sent as the card now holds it: all of it saved.
        again = {**form, "contact.phone": "+7 912 345-67-89"}
        saved = await ivan.post(f"/deals/{deal['id']}", data=again)
        assert saved.status_code == 200 and "Сохранено" in saved.text, saved.text[:2000]
        [stored] = [x for x in await client.deals() if x["id"] == deal["id"]]
        assert stored["title"] == "Кирпич М150, 2 поддона"
        assert stored["requirements"] == "доставка до 10:00 «срочно»"
        assert stored["contact"]["phone"] == "+79123456789"
        chosen = (stored["delivery_method"], stored["contact"]["pays_by"], stored["currency"])
        assert chosen == ("delivery", "invoice", "KZT")


async def test_what_a_refused_save_shows_again_is_escaped_and_never_anothers_card(
    clean: Any, client: Client
) -> None:
    """The typed text comes back as text, never markup; a save to a deal that is not the
    caller's is refused as such, with nothing of the deal or of what was sent shown."""
    async with door(clean) as d, d.as_user("mgr-1") as ivan, d.as_user("mgr-2") as maria:
        deal = await client.deal_for("mgr-1", title="Кирпич")
        hostile = '"><script>alert(1)</script>'
        form = {"title": hostile, "was.title": "Кирпич", "contact.phone": "12",
                "was.contact.phone": ""}  # fmt: skip
        refused = await ivan.post(f"/deals/{deal['id']}", data=form)
        assert refused.status_code == 422
        assert "<script>alert(1)</script>" not in refused.text
        assert _value(refused.text, "title") == hostile  # shown as the text it is
        theirs = await maria.post(f"/deals/{deal['id']}", data=form)
        assert theirs.status_code in (403, 404)
        assert hostile not in theirs.text and "Кирпич" not in theirs.text
