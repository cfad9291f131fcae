"""Finding a client through the gateway (issue 22): `GET /api/search`, `GET /api/contacts/{id}`,
the search box on every board page, its results page and the contact's page."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client


async def test_the_search_box_finds_a_caller_and_opens_their_page(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        contact = {"name": "Пётр Сидоров", "phone": "+7 912 345-67-89"}
        deal = await client.deal_for("mgr-1", title="Кирпич М150", contact=contact)
        api = await ivan.get("/api/search", params={"q": "8 912 345 67 89"})
        assert api.status_code == 200, api.text
        assert [x["id"] for x in api.json()["deals"]] == [deal["id"]]
        assert api.json()["contacts"][0]["deals_count"] == 1

        board = await ivan.get("/board")
        assert 'type="search"' in board.text and 'action="/search"' in board.text
        page = await ivan.get("/search", params={"q": "+7 (912) 345-67-89"})
        assert page.status_code == 200
        assert "Кирпич М150" in page.text and "Новый лид" in page.text
        assert "+7 912 345-67-89" in page.text and "+79123456789" not in page.text  # for people
        assert f"/contacts/{deal['contact']['id']}" in page.text

        person = await ivan.get(f"/contacts/{deal['contact']['id']}")
        assert person.status_code == 200 and "Пётр Сидоров" in person.text
        assert "Кирпич М150" in person.text
        data = await ivan.get(f"/api/contacts/{deal['contact']['id']}")
        assert data.json()["contact"]["phone"] == "+79123456789"

        async with d.as_user("mgr-2") as maria:  # not her deal (access: own)
            assert (await maria.get("/api/search", params={"q": "Сидоров"})).json()["deals"] == []
            refused = await maria.get(f"/api/contacts/{deal['contact']['id']}")
            assert refused.status_code == 403
            # the refusal's page says why and keeps her menu and search box
            page = await maria.get(f"/deals/{deal['id']}")
            assert page.status_code == 403, page.text
            assert "открыть и менять её может он или РОП" in page.text
            assert 'type="search"' in page.text and "Мои задачи" in page.text


async def test_the_last_digits_of_a_phone_find_the_caller(clean: Any, client: Client) -> None:
    """A client calls and the manager types only the last digits, or a run in the middle:
    the phones holding them are found, within the manager's own deals; «345-67-89» used to
    be read as the whole number +73456789 and find nothing."""
    async with door(clean) as d, d.as_user("mgr-1") as ivan, d.as_user("mgr-2") as maria:
        contact = {"name": "Пётр Сидоров", "phone": "+7 912 345-67-89"}
        deal = await client.deal_for("mgr-1", title="Кирпич М150", contact=contact)
        other = {"name": "Анна Козлова", "phone": "+7 912 111-22-33"}
        await client.deal_for("mgr-1", title="Окна", contact=other)
        year = await client.deal_for("mgr-1", title="Кровля 2024")
        for q in ["6789", "67-89", "345-67-89", "3456789", "912 345", "(912) 345-67"]:
            found = (await ivan.get("/api/search", params={"q": q})).json()
            assert found["read_as"] == "phone", (q, found)
            assert [x["id"] for x in found["deals"]] == [deal["id"]], (q, found)
            assert [c["id"] for c in found["contacts"]] == [deal["contact"]["id"]], (q, found)
            theirs = (await maria.get("/api/search", params={"q": q})).json()  # not her deal
            assert theirs["deals"] == [] and theirs["contacts"] == [], (q, theirs)
        for q in ["789", "89", "7-89"]:  # three digits or fewer are no phone
            short = (await ivan.get("/api/search", params={"q": q})).json()
            assert short["read_as"] == "words", (q, short)
            assert short["deals"] == [] and short["contacts"] == [], (q, short)
        # A number no phone holds is still a title's word (the year in «Кровля 2024»).
        titled = (await ivan.get("/api/search", params={"q": "2024"})).json()
        assert [x["id"] for x in titled["deals"]] == [year["id"]]

        page = await ivan.get("/search", params={"q": "345-67-89"})
        assert "(телефон)" in page.text and "Кирпич М150" in page.text
        assert "+7 912 345-67-89" in page.text and "Окна" not in page.text
