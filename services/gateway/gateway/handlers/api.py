"""The JSON API's use cases: a command or query to a service as the signed-in user.

The actor is always the caller (`acting`: never a field of the body); a request goes out as
its contract's model through the typed client (`ctx.bus.ask`) and a service's refusal comes
back as it is, with the missing fields' Russian names added. A change's `Idempotency-Key`
(`deps.retry_key`) is handed down explicitly and becomes the command's `request_id`.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from crm_shared.config import FIELD_DISPLAY_NAMES
from crm_shared.contracts.base import Answer, Asks, Command, Strict
from crm_shared.contracts.deal import DealFields, GetDeal, MoveDeal, MoveDealReply
from crm_shared.contracts.refusals import Refused
from crm_shared.contracts.subjects import COMMAND_PREFIX
from crm_shared.machinery.parsing import describe_validation_error
from gateway.domain.errors import http_status, with_display_names
from gateway.domain.people import Principal, Scope
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal

R = TypeVar("R", bound=Answer)
M = TypeVar("M", bound=BaseModel)


def acting(principal: Principal) -> str:
    """The caller as the actor of a request; a token with no owner has no one to act as."""
    if principal.actor_id is None:
        raise Refusal(403, "forbidden", principal.refusal(Scope.deals_read))
    return principal.actor_id


def request_id_for(key: str | None, request: Strict) -> str | None:
    """The `request_id` of `request` under the request's Idempotency-Key `key`: the key and
    the command's name (`k-1:deal.move`), None without a key or for a query."""
    if key is None or not isinstance(request, Command):
        return None
    return f"{key}:{request.SUBJECT.removeprefix(COMMAND_PREFIX)}"


def build(model: type[M], data: dict[str, Any]) -> M:
    """A request model from data a person or client gave, or 400 naming what is wrong (as
    the service would have answered it)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refusal(400, "invalid", describe_validation_error(exc)) from None


def refusal_of(refused: Refused) -> Refusal:
    """A service's refusal as the gateway's answer: its status, code, message and details
    (missing fields with their display names)."""
    error = refused.error.model_dump(mode="json", exclude_none=True)
    code = str(error.get("code", "invalid"))
    detail = with_display_names(error, FIELD_DISPLAY_NAMES)
    detail.pop("code", None)
    message = str(detail.pop("message", code))
    return Refusal(http_status(code), code, message, **detail)


async def ask(ctx: Context, request: Asks[R], *, retry_key: str | None = None) -> R:
    """The typed reply of `request`, or a Refusal (the service's, or `unavailable`)."""
    try:
        return await ctx.bus.ask(
            request, request_id=request_id_for(retry_key, cast(Strict, request))
        )
    except Refused as refused:
        raise refusal_of(refused) from None


async def ask_as(
    ctx: Context,
    principal: Principal,
    model: type[Asks[R]],
    body: dict[str, Any],
    *,
    retry_key: str | None = None,
) -> dict[str, Any]:
    """`model` made from `body` with the caller as its actor (400 naming what does not fit),
    asked, and its reply as JSON data, for a page or route that shows the reply as it is."""
    request = build(cast(type[Strict], model), {**body, "actor_id": acting(principal)})
    reply = await ask(ctx, cast(Asks[R], request), retry_key=retry_key)
    return reply.model_dump(mode="json")


async def move_deal(
    ctx: Context,
    principal: Principal,
    deal_id: str,
    to_stage: str,
    *,
    expected_version: int | None,
    failure_comment: str | None,
    fields: dict[str, Any] | None,
    retry_key: str | None = None,
) -> MoveDealReply:
    """Move a deal, with `fields` saved in the same step (one command: one version, one
    StageChanged, the rules checked on the deal as filled in); with `expected_version`, a
    deal changed meanwhile answers 409 with the deal as it is now.

    deal-service compares the version under the deal's row lock (`version_conflict`), so no
    change slips in between.
    """
    actor = acting(principal)
    move = MoveDeal(
        actor_id=actor,
        deal_id=deal_id,
        to_stage=to_stage,
        failure_comment=failure_comment,
        expected_version=expected_version,
        fields=build(DealFields, fields) if fields else None,
    )
    try:
        return await ask(ctx, move, retry_key=retry_key)
    except Refusal as refusal:
        if refusal.code != "version_conflict":
            raise
        # The deal as it is now, for the client to show what changed.
        current = await ask(ctx, GetDeal(actor_id=actor, deal_id=deal_id))
        raise Refusal(
            409,
            "conflict",
            "the deal changed since you saw it",
            deal=current.deal.model_dump(mode="json"),
        ) from None
