"""The JSON API a board uses: deals, moves with their refusals, tasks, the report."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from tests.gateway_support import door
from tests.support import Client, eventually


async def test_a_manager_works_a_deal_through_the_api(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as http:
        # The actor is the signed-in user, never a field of the body.
        forged = await http.post("/api/deals", json={"actor_id": "rop-1", "title": "x"})
        assert forged.status_code == 400
        made = await http.post(
            "/api/deals",
            json={
                "title": "Кирпич",
                "contact": {"name": "Пётр", "phone": "+79123456789"},
                "requirements": "20 коробок",
            },
        )
        assert made.status_code == 201, made.text
        deal = made.json()["deal"]
        assert deal["responsible_id"] == "mgr-1" and deal["stage"] == "NEW_LEAD"

        listed = (await http.get("/api/deals", params={"stage": "NEW_LEAD"})).json()
        assert [x["id"] for x in listed["items"]] == [deal["id"]]
        board = (await http.get("/api/deals/board", params={"limit": 5})).json()
        columns = {c["code"]: c for c in board["stages"]}
        assert [x["id"] for x in columns["NEW_LEAD"]["items"]] == [deal["id"]]
        assert columns["PROCESSING"]["items"] == [] and columns["NEW_LEAD"]["name"] == "Новый лид"
        got = await http.get(f"/api/deals/{deal['id']}")
        assert got.json()["deal"]["title"] == "Кирпич"
        missing = await http.get(f"/api/deals/{uuid.uuid4()}")
        assert missing.status_code == 404

        # A move the rules refuse: 422 with the service's error and the fields' Russian names.
        refused = await http.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "OFFER_MADE"})
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "missing_fields"
        assert set(error["missing_fields"]) == {"amount", "subject", "delivery_method"}
        names = {f["name"]: f["display_name"] for f in error["fields"]}
        assert names["amount"] == "Сумма" and names["subject"] == "Предмет сделки"

        # A move from a stale view: 409, nothing changed.
        patched = await http.patch(f"/api/deals/{deal['id']}", json={"amount": "15000.00"})
        assert patched.status_code == 200, patched.text
        version = patched.json()["deal"]["version"]
        stale = await http.post(
            f"/api/deals/{deal['id']}/move",
            json={"to_stage": "PROCESSING", "expected_version": version - 1},
        )
        assert stale.status_code == 409
        assert stale.json()["error"]["deal"]["version"] == version
        # `message` is for programs: it read «сделку уже изменили: the deal…» (a walkthrough)
        assert stale.json()["error"]["message"] == "the deal changed since you saw it"
        assert (await http.get(f"/api/deals/{deal['id']}")).json()["deal"]["stage"] == "NEW_LEAD"

        # Fill in what is missing and move, in one request.
        moved = await http.post(
            f"/api/deals/{deal['id']}/move",
            json={
                "to_stage": "OFFER_MADE",
                "expected_version": version,
                "fields": {"subject": "Кирпич М150", "delivery_method": "pickup"},
            },
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["deal"]["stage"] == "OFFER_MADE"
        attempt = await http.post(
            f"/api/deals/{deal['id']}/contact-attempts", json={"note": "не берёт трубку"}
        )
        assert attempt.status_code == 200
        assert attempt.json()["deal"]["contact_attempts"] == 1

        # Tasks: mine, by deal, complete.
        async def open_task() -> list[dict[str, Any]]:
            reply = await http.get("/api/tasks", params={"mine": "true", "status": "open"})
            return [t for t in reply.json()["items"] if t["stage"] == "OFFER_MADE"]

        [task] = await eventually(open_task)
        assert task["responsible_id"] == "mgr-1"
        by_deal = (await http.get("/api/tasks", params={"deal_id": deal["id"]})).json()["items"]
        assert task["id"] in {t["id"] for t in by_deal}
        done = await http.post(f"/api/tasks/{task['id']}/complete")
        assert done.status_code == 200, done.text
        assert done.json()["task"]["close_reason"] == "completed"

        # The reports are the РОП's, over at most two years.
        today = date.today()
        span = {
            "from": (today - timedelta(days=30)).isoformat(),
            "to": today.isoformat() + "T23:59:59Z",
        }
        assert (await http.get("/api/reports/funnel", params=span)).status_code == 403
        async with d.as_user("rop-1") as rop:
            report = await rop.get("/api/reports/funnel", params=span)
            assert report.status_code == 200, report.text
            assert report.json()["report"]["created"] == 1
            for wrong in ({"from": "x", "to": "y"}, {"from": "2020-01-01", "to": "2100-01-01"}):
                for path in ("/api/reports/funnel", "/api/reports/period"):
                    refused = await rop.get(path, params=wrong)
                    assert refused.status_code == 400, refused.text
                    assert refused.json()["error"]["code"] == "invalid"

        users = (await http.get("/api/users")).json()
        assert {"id": "rop-1", "name": "Анна Петрова", "role": "rop"} in users
        stages = (await http.get("/api/pipeline")).json()["stages"]
        assert stages[0]["code"] == "NEW_LEAD"


async def test_a_service_that_does_not_answer_is_503(clean: Any) -> None:
    async with door(clean, services=False, request_timeout=0.5) as d, d.as_user("rop-1") as http:
        reply = await http.get("/api/deals")
        assert reply.status_code == 503
        assert reply.json()["error"]["code"] == "unavailable"
