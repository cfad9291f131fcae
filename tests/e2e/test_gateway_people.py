"""People at the door: sign in and out, the session cookie, CSRF, expiry, slowing guessers."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import asyncpg

from crm_shared.devstack import launcher
from crm_shared.machinery.db import asyncpg_dsn
from tests.gateway_support import PASSWORD, door, gateway_command

LOCAL = (ip_network("127.0.0.1"),)


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(clean: Any) -> None:
    async with door(clean, services=False) as d:
        async with d.client() as http:
            assert (await http.get("/api/session")).status_code == 401
            reply = await http.post("/api/session", json={"user_id": "mgr-1", "password": PASSWORD})
            assert reply.status_code == 200, reply.text
            cookie = reply.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=lax" in cookie
            assert "secure" not in cookie  # plain HTTP on localhost
            me = reply.json()
            assert me["user"] == {"id": "mgr-1", "name": "Иван Иванов", "role": "manager"}
            csrf = me["csrf_token"]
            assert (await http.get("/api/session")).json()["user"]["id"] == "mgr-1"

            # A change without the session's CSRF token is refused, and so is a wrong one.
            assert (await http.delete("/api/session")).status_code == 403
            wrong = await http.delete("/api/session", headers={"X-CSRF-Token": "x" + csrf})
            assert wrong.status_code == 403
            assert wrong.json()["error"]["code"] == "csrf"

            stale = http.cookies.get("crm_session")
            assert (
                await http.delete("/api/session", headers={"X-CSRF-Token": csrf})
            ).status_code == 204
            assert (await http.get("/api/session")).status_code == 401
        # The old cookie, replayed, is refused: the session is gone from the server.
        async with d.client(cookies={"crm_session": stale}) as replay:
            assert (await replay.get("/api/session")).status_code == 401


async def test_an_expired_session_is_refused(clean: Any) -> None:
    async with door(clean, services=False) as d, d.as_user("mgr-1") as http:
        assert (await http.get("/api/session")).status_code == 200
        conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
        try:
            await conn.execute(
                "UPDATE gateway.sessions SET expires_at = now() - interval '1 second'"
            )
        finally:
            await conn.close()
        refused = await http.get("/api/session")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthenticated"


async def test_repeated_failed_sign_ins_are_slowed_down(clean: Any) -> None:
    async with door(clean, services=False) as d, d.client() as http:
        for _ in range(5):
            bad = await http.post("/api/session", json={"user_id": "mgr-2", "password": "nope"})
            assert bad.status_code == 401
        # The sixth try waits, even with the right password.
        slowed = await http.post("/api/session", json={"user_id": "mgr-2", "password": PASSWORD})
        assert slowed.status_code == 429
        assert int(slowed.headers["Retry-After"]) > 0
        # Another account from the same address is not locked by these five.
        ok = await http.post("/api/session", json={"user_id": "mgr-1", "password": PASSWORD})
        assert ok.status_code == 200
        # An unknown user fails like a wrong password (no hint about which accounts exist).
        ghost = await http.post("/api/session", json={"user_id": "ghost", "password": "x"})
        assert ghost.status_code == 401


async def test_cookie_is_secure_behind_tls(clean: Any) -> None:
    async with door(clean, services=False, trusted_proxies=LOCAL) as d, d.client() as http:
        reply = await http.post(
            "/api/session",
            json={"user_id": "mgr-1", "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https"},
        )
        assert reply.status_code == 200
        assert "secure" in reply.headers["set-cookie"].lower()


async def test_set_password_from_the_command_line(clean: Any) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": clean.database_url}
    done = await asyncio.to_thread(_set_password, "rop-1", env)
    assert done.returncode == 0, done.stderr
    async with door(clean, services=False) as d, d.client() as http:
        # door() sets PASSWORD for rop-1 again; the CLI's password then no longer works
        ok = await http.post("/api/session", json={"user_id": "rop-1", "password": PASSWORD})
        assert ok.status_code == 200
    unknown = await asyncio.to_thread(_set_password, "nobody", env)
    assert unknown.returncode == 1 and "Такого пользователя нет" in unknown.stderr, unknown.stderr


async def test_the_dev_stack_makes_a_password_for_every_user_once(
    clean: Any, tmp_path: Path
) -> None:
    kept = tmp_path / "gateway-dev-passwords.json"
    env = {
        **os.environ,
        "CRM_DATABASE_URL": clean.database_url,
        "CRM_GATEWAY_DEV_PASSWORDS": str(kept),
    }
    done = await asyncio.to_thread(gateway_command, "migrate", env=env)
    assert done.returncode == 0, done.stderr
    passwords = json.loads(kept.read_text())
    assert set(passwords) == {"rop-1", "mgr-1", "mgr-2"}
    assert kept.stat().st_mode & 0o077 == 0  # only its owner reads it
    again = await asyncio.to_thread(gateway_command, "migrate", env=env)
    assert again.returncode == 0 and json.loads(kept.read_text()) == passwords
    # what the launcher's banner prints
    lines = launcher.dev_password_lines(kept)
    assert any("mgr-1" in line and passwords["mgr-1"] in line for line in lines)
    async with door(clean, services=False, set_passwords=False) as d, d.client() as http:
        body = {"user_id": "mgr-2", "password": passwords["mgr-2"]}
        assert (await http.post("/api/session", json=body)).status_code == 200


async def test_one_address_guessing_many_accounts_is_slowed_down(clean: Any) -> None:
    async with door(clean, services=False, signin_max_failures_address=3) as d, d.client() as http:
        for user in ("mgr-1", "mgr-2", "rop-1"):
            bad = await http.post("/api/session", json={"user_id": user, "password": "nope"})
            assert bad.status_code == 401
        slowed = await http.post("/api/session", json={"user_id": "mgr-1", "password": PASSWORD})
        assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) > 0
        # the same account from another address (behind a trusted proxy) is not held
    async with (
        door(clean, services=False, signin_max_failures_address=3, trusted_proxies=LOCAL) as d,
        d.client(headers={"X-Forwarded-For": "203.0.113.9"}) as other,
    ):
        ok = await other.post("/api/session", json={"user_id": "mgr-1", "password": PASSWORD})
        assert ok.status_code == 200


def _set_password(user_id: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = ("users", "set-password", user_id, "--stdin")
    return gateway_command(*args, env=env, stdin="a new long password\n")
