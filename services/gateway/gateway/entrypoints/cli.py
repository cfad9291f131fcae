"""`python -m gateway users set-password <user_id>` and `python -m gateway tokens …`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from typing import Any

from crm_shared.config import load_config
from crm_shared.machinery import devrun
from crm_shared.machinery.db import create_pool
from crm_shared.machinery.redact import mask_url
from gateway.adapters.store import PeopleStore
from gateway.adapters.tokens_store import TokenStore
from gateway.domain.people import Scope
from gateway.domain.tokens import FORMATS
from gateway.handlers.auth import set_password
from gateway.handlers.errors import Refusal
from gateway.handlers.tokens import create_token
from gateway.settings import Settings

CONNECT_SECONDS = 10.0
"""How long a command waits for PostgreSQL before it says so and gives up."""


def dev_database_url() -> str:
    """The database of `make run`'s embedded PostgreSQL (port CRM_RUN_PG_PORT, 5532 unless
    set), with the password the dev stack made for it (under CRM_DATA_DIR or ./.crm-data):
    where the commands look when CRM_DATABASE_URL is unset, as `crm` looks for the dev
    stack's NATS. (The gateway may not import the dev stack; a test keeps the two equal.)"""
    return devrun.run_database_url()


def database_url() -> str:
    """CRM_DATABASE_URL, or the dev stack's database."""
    return os.environ.get("CRM_DATABASE_URL") or dev_database_url()


def parser() -> argparse.ArgumentParser:
    """The administrative commands."""
    p = argparse.ArgumentParser(prog="python -m gateway")
    sub = p.add_subparsers(dest="group", required=True)
    users = sub.add_parser("users").add_subparsers(dest="command", required=True)
    sp = users.add_parser("set-password", help="set a configured user's password")
    sp.add_argument("user_id")
    sp.add_argument("--stdin", action="store_true", help="read the password from stdin")
    toks = sub.add_parser("tokens").add_subparsers(dest="command", required=True)
    mk = toks.add_parser("create", help="make an integration token (shown once)")
    mk.add_argument("name", help="the integration; /intake/<name> for a lead source")
    mk.add_argument("--scopes", default="leads:write", help=f"comma-separated: {', '.join(Scope)}")
    mk.add_argument("--format", default="json", choices=FORMATS, help="for /intake/<name>")
    mk.add_argument("--rate", type=float, default=50.0, help="requests a second (average)")
    mk.add_argument("--burst", type=int, default=100, help="requests at once")
    mk.add_argument(
        "--as",
        dest="owner",
        metavar="USER_ID",
        help="the configured user the token acts as, with their permissions (its scopes "
        "narrow them); without it the token may only send leads and read events",
    )
    toks.add_parser("list", help="every token, without secrets")
    rv = toks.add_parser("revoke", help="revoke a token by id or name")
    rv.add_argument("token")
    return p


def main(argv: list[str], settings: Settings) -> int:
    """Run one administrative command against the gateway's database."""
    args = parser().parse_args(argv)
    url = database_url()
    try:
        return asyncio.run(_run(args, settings, url))
    except Refusal as refused:
        print(f"error: {refused.message}", file=sys.stderr)
        return 1
    except TimeoutError:
        print(
            f"error: PostgreSQL at {mask_url(url)} did not answer within {CONNECT_SECONDS:.0f} s;"
            " start the dev stack (make run) or set CRM_DATABASE_URL to the gateway's database",
            file=sys.stderr,
        )
        return 2


async def _run(args: Any, settings: Settings, url: str) -> int:
    pool = await asyncio.wait_for(create_pool(url, min_size=1, max_size=2), CONNECT_SECONDS)
    try:
        if args.group == "users":
            password = (
                sys.stdin.readline().rstrip("\n")
                if args.stdin
                else getpass.getpass(f"new password for {args.user_id}: ")
            )
            config = load_config(settings.common.config_path)
            await set_password(config, PeopleStore(pool), args.user_id, password)
            print(f"password set for {args.user_id}; their sessions are ended")
            return 0
        store = TokenStore(pool, cache_seconds=0)
        if args.command == "create":
            config = load_config(settings.common.config_path)
            made = await create_token(
                store,
                args.name,
                [s.strip() for s in args.scopes.split(",") if s.strip()],
                format=args.format,
                rate_per_second=args.rate,
                burst=args.burst,
                owner=(config, args.owner) if args.owner else None,
            )
            print(f"token      {made.token}")
            print(f"acts as    {args.owner or 'no one (leads and events only)'}")
            if made.webhook_secret:
                print(f"secret     {made.webhook_secret}")
                print(f"intake     POST /intake/{args.name}  (signed with the secret)")
            elif "leads:write" in args.scopes:
                print(f"intake     POST /intake/{args.name}?token=<token>  (or /api/leads)")
            if args.format == "bitrix24" and "leads:write" in args.scopes:
                print(f"portal     /rest/1/{made.token}/  (a Bitrix24 webhook address)")
            print("(shown once: keep it now)")
            return 0
        if args.command == "list":
            for t in await store.all():
                state = "revoked" if t["revoked_at"] else "live"
                scopes = ",".join(t["scopes"])
                owner = t["owner_id"] or "-"
                print(
                    f"{t['id']}  {t['name']:<20} {t['format']:<17} {scopes:<30} {owner:<12} {state}"
                )
            return 0
        count = await store.revoke(args.token)
        print(f"revoked {count}")
        return 0 if count else 1
    finally:
        await pool.close()
