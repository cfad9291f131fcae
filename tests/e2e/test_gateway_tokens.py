"""Integration tokens act as the user who made them (issue 14), never as someone else.

A token made by a manager works that manager's deals within its scopes; it can neither touch
another manager's deal nor agree to rule 6 for the РОП. A token with no owner (made by the
command line without --as, or before tokens had owners) sends leads and reads events only.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from tests.gateway_support import door, gateway_command
from tests.support import Client

ROP, MINE, OTHER = "rop-1", "mgr-1", "mgr-2"
SCOPES = ["deals:read", "deals:write", "tasks:read", "tasks:write"]


async def test_a_managers_token_acts_as_that_manager(clean: Any, client: Client) -> None:
    async with door(clean) as d:
        theirs = await client.deal_for(MINE)
        other = await client.deal_for(OTHER)
        made = await d.token("ivan-1c", SCOPES, owner=MINE)
        auth = {"Authorization": f"Bearer {made.token}"}
        async with d.client(headers=auth) as ivan:
            # Not another manager's deal: neither read nor moved.
            assert (await ivan.get(f"/api/deals/{other['id']}")).status_code == 403
            move = await ivan.post(f"/api/deals/{other['id']}/move", json={"to_stage": "LOST_SPAM"})
            assert move.status_code == 403 and move.json()["error"]["code"] == "forbidden"
            listed = (await ivan.get("/api/deals")).json()["items"]
            assert [x["id"] for x in listed] == [theirs["id"]]

            # Their own deal: three attempts, but «Перестал выходить на связь» is the РОП's.
            for n in range(3):
                attempt = await ivan.post(
                    f"/api/deals/{theirs['id']}/contact-attempts", json={"note": f"звонок {n}"}
                )
                assert attempt.status_code == 200, attempt.text
            lost = await ivan.post(
                f"/api/deals/{theirs['id']}/move", json={"to_stage": "LOST_NO_CONTACT"}
            )
            assert lost.status_code == 422, lost.text
            assert lost.json()["error"]["code"] == "rop_approval_required"
        now = await client.request("crm.query.deal.get", {"actor_id": ROP, "deal_id": theirs["id"]})
        assert now["deal"]["stage"] == "NEW_LEAD"
        assert (await client.deals(responsible_id=OTHER))[0]["stage"] == "NEW_LEAD"


async def test_a_token_without_an_owner_only_sends_leads_and_reads_events(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d:
        deal = await client.deal_for(MINE)
        made = await d.token("old-feed", [*SCOPES, "leads:write", "events:read"])
        assert made.integration.owner_id is None
        async with d.client(headers={"Authorization": f"Bearer {made.token}"}) as http:
            for reply in (
                await http.get("/api/deals"),
                await http.post(f"/api/deals/{deal['id']}/contact-attempts", json={}),
                await http.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "LOST_SPAM"}),
            ):
                assert reply.status_code == 403, reply.text
                assert "has no owner" in reply.json()["error"]["message"]
            lead = {"external_id": "o-1", "contact": {"name": "Без владельца"}}
            assert (await http.post("/api/leads", json=lead)).status_code == 202
            async with http.stream("GET", "/api/events") as feed:
                assert feed.status_code == 200
        got = await client.request("crm.query.deal.get", {"actor_id": ROP, "deal_id": deal["id"]})
        assert got["deal"]["version"] == deal["version"]


async def test_a_token_made_over_http_acts_as_its_maker(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user(ROP) as anna:
        deal = await client.deal_for(OTHER)
        made = await anna.post("/api/tokens", json={"name": "bi", "scopes": ["deals:read"]})
        assert made.status_code == 201, made.text
        assert made.json()["owner_id"] == ROP
        assert [t["owner_id"] for t in (await anna.get("/api/tokens")).json()] == [ROP]
        auth = {"Authorization": f"Bearer {made.json()['token']}"}
        async with d.client(headers=auth) as bi:
            assert (await bi.get(f"/api/deals/{deal['id']}")).status_code == 200
            # deals:read only: the РОП's token still cannot change anything
            moved = await bi.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "LOST_SPAM"})
            assert moved.status_code == 403


async def test_the_command_line_makes_a_token_as_a_user(clean: Any) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": clean.database_url}
    args = ("tokens", "create", "ivan-bi", "--scopes", "deals:read", "--as", MINE)
    made = await asyncio.to_thread(gateway_command, *args, env=env)
    assert made.returncode == 0, made.stderr
    assert f"от имени   {MINE}" in made.stdout
    listed = await asyncio.to_thread(gateway_command, "tokens", "list", env=env)
    assert "ivan-bi" in listed.stdout and MINE in listed.stdout
    # under a header, each column as wide as its cells (they ran into each other)
    head, *rows = listed.stdout.splitlines()
    assert head.split() == ["id", "имя", "формат", "права", "владелец", "состояние"], head
    mine = next(r for r in rows if "ivan-bi" in r)
    assert mine.index(MINE) == head.index("владелец"), listed.stdout
    ghost = await asyncio.to_thread(
        gateway_command, "tokens", "create", "x", "--scopes", "deals:read", "--as", "ghost", env=env
    )
    assert ghost.returncode == 1 and "Такого пользователя нет в настройках CRM." in ghost.stderr


async def test_the_command_line_gives_up_on_a_database_that_does_not_answer() -> None:
    env = {**os.environ, "CRM_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/crm"}
    began = time.monotonic()
    done = await asyncio.to_thread(gateway_command, "tokens", "list", env=env)
    assert done.returncode == 2, done.stderr
    assert "не ответил за" in done.stderr and "CRM_DATABASE_URL" in done.stderr
    assert time.monotonic() - began < 60


def test_the_command_line_looks_for_the_dev_stacks_database(
    monkeypatch: Any, tmp_path: Any
) -> None:
    from crm_shared.devstack._postgres import EmbeddedPostgres
    from crm_shared.devstack.launcher import DEFAULT_PG_PORT
    from gateway.entrypoints.cli import database_url

    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    monkeypatch.delenv("CRM_RUN_PG_PORT", raising=False)
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    made = EmbeddedPostgres(tmp_path / "run", DEFAULT_PG_PORT).url  # as `make run` does
    assert database_url() == made  # with the password it made
    assert "postgres:" in made
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql://db/crm")
    assert database_url() == "postgresql://db/crm"
