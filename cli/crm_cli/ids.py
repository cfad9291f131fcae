"""Ids as a person types them: any unambiguous prefix of an id (as in git), of a deal, a task,
one of the actor's notifications or a failed delivery."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from crm_cli.bus import Bus, CliError, as_json
from crm_shared.contracts.base import Answer, Asks
from crm_shared.contracts.deal import ListDeals
from crm_shared.contracts.notify import ListDeliveries, ListNotifications
from crm_shared.contracts.task import ListTasks

FULL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PREFIX = re.compile(r"^[0-9a-fA-F-]{1,36}$")
_SHOWN = 5  # candidates named in an "ambiguous" error


class _Lookup(NamedTuple):
    """Where the ids of a kind are looked up: a list query with an `id_prefix` filter."""

    model: type[Asks[Answer]]
    scoped: bool = True  # the query answers in the actor's scope (it takes actor_id)
    status: str | None = None  # the query's status filter, if any


# Deliveries are looked for among the failed ones, what `crm delivery retry` acts on.
_LIST = {
    "deal": _Lookup(ListDeals),
    "task": _Lookup(ListTasks),
    "notification": _Lookup(ListNotifications),
    "failed delivery": _Lookup(ListDeliveries, scoped=False, status="failed"),
}

_KINDS = {
    "deal": "сделки",
    "task": "задачи",
    "notification": "уведомления",
    "failed delivery": "неудавшейся доставки",
}
"""Each kind as the refusal names it («Нет сделки с id, который начинается на …»)."""


async def resolve(bus: Bus, kind: str, given: str, actor: str) -> str:
    """The whole id of the one `kind` whose id starts with `given` among those `actor` may
    see; a CliError otherwise (an ambiguous prefix names the candidates)."""
    if FULL_ID.match(given) or not PREFIX.match(given):
        return given  # whole, or not an id of ours at all: the service answers for it
    lookup = _LIST[kind]
    body: dict[str, Any] = {"id_prefix": given.lower(), "limit": _SHOWN + 1}
    if lookup.scoped:
        body["actor_id"] = actor
    if lookup.status is not None:
        body["status"] = lookup.status
    reply = as_json(await bus.send(lookup.model, body))
    ids = [item["id"] for item in reply["items"]]
    if not ids:
        raise CliError.said("not_found", reason="prefix", kind=_KINDS[kind], given=given)
    if len(ids) > 1:
        more = " …" if len(ids) > _SHOWN else ""
        shown = ", ".join(ids[:_SHOWN]) + more
        raise CliError.said("invalid", reason="ambiguous", given=given, ids=shown)
    return str(ids[0])
