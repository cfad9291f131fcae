"""A client that retries a change after a timeout changes nothing twice (issue 10 over HTTP):
the request's `Idempotency-Key` is each command's `request_id`, so the same key gets the
first reply again, for a create, a contact attempt and a fill-in-and-move alike."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client

ROP = "rop-1"


async def test_a_retried_change_with_the_same_key_is_done_once(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user(ROP) as anna:
        body = {"title": "Повтор", "responsible_id": "mgr-1", "contact": {"name": "Олег"}}
        first = await anna.post("/api/deals", json=body, headers={"Idempotency-Key": "create-1"})
        again = await anna.post("/api/deals", json=body, headers={"Idempotency-Key": "create-1"})
        assert first.status_code == again.status_code == 201, (first.text, again.text)
        deal = first.json()["deal"]
        assert again.json()["deal"]["id"] == deal["id"]
        other = await anna.post("/api/deals", json=body, headers={"Idempotency-Key": "create-2"})
        assert other.json()["deal"]["id"] != deal["id"]  # a new key is a new deal
        listed = (await anna.get("/api/deals", params={"limit": 50})).json()["items"]
        assert sum(item["title"] == "Повтор" for item in listed) == 2

        url = f"/api/deals/{deal['id']}/contact-attempts"
        for _ in range(2):
            tried = await anna.post(
                url, json={"note": "молчит"}, headers={"Idempotency-Key": "a-1"}
            )
            assert tried.status_code == 200, tried.text
        assert tried.json()["deal"]["contact_attempts"] == 1

        # One request, two commands (the dialog's fields, then the move): both answered again.
        move = {"to_stage": "PROCESSING", "fields": {"requirements": "10 коробок"}}
        url = f"/api/deals/{deal['id']}/move"
        moved = await anna.post(url, json=move, headers={"Idempotency-Key": "m-1"})
        retried = await anna.post(url, json=move, headers={"Idempotency-Key": "m-1"})
        assert moved.status_code == retried.status_code == 200, (moved.text, retried.text)
        assert retried.json()["deal"]["version"] == moved.json()["deal"]["version"]

        too_long = await anna.post(url, json=move, headers={"Idempotency-Key": "k" * 65})
        assert too_long.status_code == 400 and "Idempotency-Key" in too_long.text
