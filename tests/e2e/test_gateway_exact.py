"""Scopes are exact, a token's session describes its owner, tasks follow their deal's access,
and a body that cannot be read answers the documented error shape in Russian."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client, eventually

ROP, MINE, OTHER = "rop-1", "mgr-1", "mgr-2"


async def _task_of(client: Client, deal_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        reply = await client.request("crm.query.task.list", {"actor_id": ROP, "deal_id": deal_id})
        return reply["items"][0] if reply["items"] else None

    task: dict[str, Any] = await eventually(found)
    return task


async def test_scopes_are_exact_and_a_tokens_session_is_its_owner(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d:
        deal = await client.deal_for(MINE, title="Со задачей")
        await _task_of(client, deal["id"])
        tokens = {
            scope: (await d.token(f"t-{scope}", [scope], owner=MINE)).token
            for scope in ("deals:read", "tasks:read")
        }
        ownerless = (await d.token("feed", ["events:read"])).token

        def auth(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        async with d.client() as http:
            board = await http.get("/api/deals/board", headers=auth(tokens["deals:read"]))
            assert board.status_code == 200, board.text
            shown = [x["id"] for c in board.json()["stages"] for x in c.get("items", [])]
            assert deal["id"] in shown
            assert board.json()["tasks"] == {}  # deals:read reads no task
            tasks = await http.get("/api/tasks", headers=auth(tokens["deals:read"]))
            assert tasks.status_code == 403
            listed = await http.get("/api/tasks", headers=auth(tokens["tasks:read"]))
            assert listed.status_code == 200 and listed.json()["items"]
            assert (
                await http.get("/api/deals", headers=auth(tokens["tasks:read"]))
            ).status_code == 403

            me = await http.get("/api/session", headers=auth(tokens["deals:read"]))
            assert me.status_code == 200, me.text
            assert me.json()["user"] == {"id": MINE, "name": "Иван Иванов", "role": "manager"}
            assert me.json()["token"]["scopes"] == ["deals:read"]
            assert me.json()["csrf_token"] is None
            nobody = await http.get("/api/session", headers=auth(ownerless))
            assert nobody.status_code == 401
            assert nobody.json()["error"]["code"] == "unauthenticated"
            forged = await http.get("/api/session", headers=auth("crm_x_y"))
            assert forged.status_code == 401


async def test_a_deals_tasks_go_with_the_deal(clean: Any, client: Client) -> None:
    """The old responsible keeps nothing; the new one gets the whole task list, the closed
    task of the old one and its comments included, and may add to them."""
    async with (
        door(clean) as d,
        d.as_user(MINE) as ivan,
        d.as_user(ROP) as anna,
        d.as_user(OTHER) as maria,
    ):
        deal = await client.deal_for(MINE, title="Передаётся")
        task = await _task_of(client, deal["id"])
        said = await ivan.post(f"/api/tasks/{task['id']}/comments", json={"text": "звонил"})
        assert said.status_code == 200, said.text
        done = await ivan.post(f"/api/tasks/{task['id']}/complete")
        assert done.status_code == 200, done.text
        given = await anna.patch(f"/api/deals/{deal['id']}", json={"responsible_id": OTHER})
        assert given.status_code == 200, given.text

        async def gone() -> bool:
            reply = await ivan.get("/api/tasks", params={"deal_id": deal["id"]})
            return reply.status_code == 200 and reply.json()["items"] == []

        await eventually(gone)  # once task-service has applied the reassignment
        refused = [
            await ivan.get(f"/api/tasks/{task['id']}/comments"),
            await ivan.post(f"/api/tasks/{task['id']}/comments", json={"text": "ещё"}),
        ]
        assert [r.status_code for r in refused] == [403, 403], [r.text for r in refused]
        mine = (await ivan.get("/api/tasks", params={"mine": "true"})).json()["items"]
        assert task["id"] not in {t["id"] for t in mine}
        # The РОП still reads them.
        assert (await anna.get(f"/api/tasks/{task['id']}/comments")).status_code == 200
        # The new responsible reads the deal's whole task list, Ivan's closed task included.
        listed = (await maria.get("/api/tasks", params={"deal_id": deal["id"]})).json()["items"]
        assert task["id"] in {t["id"] for t in listed}, listed
        every = (await maria.get("/api/tasks")).json()["items"]
        assert task["id"] in {t["id"] for t in every}
        old = (await maria.get(f"/api/tasks/{task['id']}/comments")).json()["items"]
        assert [c["text"] for c in old] == ["звонил"]
        added = await maria.post(f"/api/tasks/{task['id']}/comments", json={"text": "приняла"})
        assert added.status_code == 200, added.text
        card = await maria.get(f"/deals/{deal['id']}")
        assert card.status_code == 200 and task["title"] in card.text


async def test_a_body_that_cannot_be_read_answers_the_error_shape(clean: Any) -> None:
    async with door(clean, services=False) as d, d.as_user(ROP) as http:
        json_header = {"content-type": "application/json"}
        for method, path in (
            ("POST", "/api/deals"),
            ("PATCH", "/api/deals/x"),
            ("POST", "/api/deals/x/move"),
            ("POST", "/api/deals/x/contact-attempts"),
            ("POST", "/api/tasks/x/comments"),
            ("POST", "/api/notifications/read"),
            ("POST", "/api/tokens"),
            ("POST", "/api/session"),
            ("POST", "/api/leads"),
        ):
            for body in (b"{", b"\xff\xfe", b"[1, 2]", b'"text"'):
                reply = await http.request(method, path, content=body, headers=json_header)
                assert reply.status_code == 400, (method, path, body, reply.text)
                error = reply.json()["error"]
                assert set(error) >= {"code", "message"} and "detail" not in reply.json()
                assert error["code"] == "invalid"
                # a person reads the fields refused in Russian (`message` is for programs)
                said = (error.get("params") or {}).get("problems") or error["message"]
                assert any("а" <= ch <= "я" for ch in said.lower()), error
        missing = await http.get("/api/nowhere")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        wrong = await http.put("/api/deals")
        assert wrong.status_code == 405
        assert wrong.json()["error"]["code"] == "method_not_allowed"
        # in English, as every `message` (it was «нет такого адреса», a walkthrough)
        for answer in (missing, wrong):
            assert answer.json()["error"]["message"].isascii(), answer.text
