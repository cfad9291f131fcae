"""`python -m gateway users set-password <user_id>` and `python -m gateway tokens …`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from crm_shared.config import load_config
from crm_shared.db import create_pool
from gateway.adapters.store import PeopleStore
from gateway.adapters.tokens_store import TokenStore
from gateway.domain.people import Scope
from gateway.domain.tokens import FORMATS
from gateway.handlers.auth import set_password
from gateway.handlers.errors import Refusal
from gateway.handlers.tokens import create_token
from gateway.settings import Settings


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
    toks.add_parser("list", help="every token, without secrets")
    rv = toks.add_parser("revoke", help="revoke a token by id or name")
    rv.add_argument("token")
    return p


def main(argv: list[str], settings: Settings) -> int:
    """Run one administrative command against the gateway's database."""
    args = parser().parse_args(argv)
    try:
        return asyncio.run(_run(args, settings))
    except Refusal as refused:
        print(f"error: {refused.message}", file=sys.stderr)
        return 1


async def _run(args: Any, settings: Settings) -> int:
    pool = await create_pool(settings.common.database_url, min_size=1, max_size=2)
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
            made = await create_token(
                store,
                args.name,
                [s.strip() for s in args.scopes.split(",") if s.strip()],
                format=args.format,
                rate_per_second=args.rate,
                burst=args.burst,
            )
            print(f"token      {made.token}")
            if made.webhook_secret:
                print(f"secret     {made.webhook_secret}")
                print(f"intake     POST /intake/{args.name}  (signed with the secret)")
            elif "leads:write" in args.scopes:
                print(f"intake     POST /intake/{args.name}?token=<token>  (or /api/leads)")
            print("(shown once: keep it now)")
            return 0
        if args.command == "list":
            for t in await store.all():
                state = "revoked" if t["revoked_at"] else "live"
                scopes = ",".join(t["scopes"])
                print(f"{t['id']}  {t['name']:<20} {t['format']:<17} {scopes:<30} {state}")
            return 0
        count = await store.revoke(args.token)
        print(f"revoked {count}")
        return 0 if count else 1
    finally:
        await pool.close()
