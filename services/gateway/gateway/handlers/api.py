"""The JSON API's use cases: a command or query to a service as the signed-in user.

The actor is always the caller (never a field of the body); a service's refusal comes back
as it is, with the missing fields' Russian names added.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from crm_shared.config import FIELD_DISPLAY_NAMES
from gateway.domain.errors import http_status, with_display_names
from gateway.domain.people import Principal, Scope
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal

# The request's `Idempotency-Key` (set by `deps.caller` on a request that changes something):
# each command the request sends carries it as its `request_id`, one per command subject, so
# that a client retrying after a timeout gets the first reply and changes nothing again
# (the services keep a request id 24 hours, per actor).
RETRY_KEY: ContextVar[str | None] = ContextVar("retry_key", default=None)
MAX_RETRY_KEY = 64


def request_id_for(subject: str) -> str | None:
    """The `request_id` of command `subject` in this request, or None (no key, or a query)."""
    key = RETRY_KEY.get()
    if key is None or not subject.startswith("crm.cmd."):
        return None
    if len(key) > MAX_RETRY_KEY or not key.isprintable():
        raise Refusal(
            400, "invalid", f"Idempotency-Key: at most {MAX_RETRY_KEY} printable characters"
        )
    return f"{key}:{subject.removeprefix('crm.cmd.')}"


async def ask(
    ctx: Context, principal: Principal, subject: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Send `body` with the caller as `actor_id`; the reply without `ok`, or a Refusal."""
    if principal.actor_id is None:  # a token with no owner: no one to act as
        raise Refusal(403, "forbidden", principal.refusal(Scope.deals_read))
    payload = {k: v for k, v in body.items() if v is not None}
    payload["actor_id"] = principal.actor_id
    if (request_id := request_id_for(subject)) is not None:
        payload["request_id"] = request_id
    reply = await ctx.bus.request(subject, payload)
    if not reply.get("ok"):
        error = reply.get("error") or {"code": "unavailable", "message": "no answer"}
        code = str(error.get("code", "invalid"))
        detail = with_display_names(error, FIELD_DISPLAY_NAMES)
        detail.pop("code", None)
        message = str(detail.pop("message", code))
        raise Refusal(http_status(code), code, message, **detail)
    reply.pop("ok", None)
    return reply


async def move_deal(
    ctx: Context,
    principal: Principal,
    deal_id: str,
    to_stage: str,
    *,
    expected_version: int | None,
    failure_comment: str | None,
    fields: dict[str, Any] | None,
) -> dict[str, Any]:
    """Move a deal; with `expected_version`, a deal changed meanwhile answers 409.

    deal-service compares the version under the deal's row lock (`version_conflict`), so no
    change slips in between. `fields` are saved first, as the board's "fill in and move"
    dialog sends them with the move: the update is held to `expected_version`, and the move
    to the version the update left.
    """
    version = expected_version
    try:
        if fields:
            updated = await ask(
                ctx,
                principal,
                "crm.cmd.deal.update",
                {"deal_id": deal_id, "fields": fields, "expected_version": version},
            )
            if version is not None:
                version = int(updated["deal"]["version"])
        return await ask(
            ctx,
            principal,
            "crm.cmd.deal.move",
            {
                "deal_id": deal_id,
                "to_stage": to_stage,
                "failure_comment": failure_comment,
                "expected_version": version,
            },
        )
    except Refusal as refusal:
        if refusal.code != "version_conflict":
            raise
        # The deal as it is now, for the client to show what changed.
        current = await ask(ctx, principal, "crm.query.deal.get", {"deal_id": deal_id})
        raise Refusal(
            409,
            "conflict",
            "сделку уже изменили: the deal changed since you saw it",
            deal=current.get("deal"),
        ) from None
