"""Ids as a person types them: any unambiguous prefix of a deal's or a task's id (as in git)."""

from __future__ import annotations

import re

from crm_cli.bus import Bus, CliError

FULL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PREFIX = re.compile(r"^[0-9a-fA-F-]{1,36}$")
_SHOWN = 5  # candidates named in an "ambiguous" error
_LIST = {"deal": "crm.query.deal.list", "task": "crm.query.task.list"}


async def resolve(bus: Bus, kind: str, given: str, actor: str) -> str:
    """The whole id of the one `kind` whose id starts with `given` among those `actor` may
    see; a CliError otherwise."""
    if FULL_ID.match(given) or not PREFIX.match(given):
        return given  # whole, or not an id of ours at all: the service answers for it
    reply = await bus.request(
        _LIST[kind], {"actor_id": actor, "id_prefix": given.lower(), "limit": _SHOWN + 1}
    )
    ids = [item["id"] for item in reply["items"]]
    if not ids:
        raise CliError(f"no {kind} has an id starting with {given!r} (not_found)")
    if len(ids) > 1:
        more = " …" if len(ids) > _SHOWN else ""
        raise CliError(
            f"{given!r} is ambiguous: it starts the ids of {', '.join(ids[:_SHOWN])}{more};"
            " type more of the id"
        )
    return str(ids[0])
