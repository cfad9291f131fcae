"""Taking a lead in: publish it to JetStream and answer only once it is stored there.

Idempotency-Key (IETF draft): the same key with the same request → the first answer; with
another body → 422; while the first is still being handled → 409. A request that fails
before an answer worth keeping (the bus is down) releases its key, so a retry may try again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nats.errors import Error as NatsError

from crm_shared.config import CrmConfig
from crm_shared.contracts.deal import LeadReceived
from gateway.adapters.bus import Stored
from gateway.domain.idempotency import Outcome, check_key, decide
from gateway.domain.people import Principal
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as kept for replays."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(status: int, payload: object) -> Answer:
    """A JSON answer."""
    return Answer(status, json.dumps(payload, ensure_ascii=False).encode())


async def idempotent(
    ctx: Context, scope: str, key: str | None, fp: str, work: Callable[[], Awaitable[Answer]]
) -> Answer:
    """Run `work` once per (scope, key); without a key, just run it."""
    if not key:
        return await work()
    try:
        check_key(key)
    except ValueError as exc:
        raise Refusal(400, "invalid", str(exc)) from None
    existing = await ctx.idempotency.claim(scope, key, fp)
    if existing is not None:
        outcome = decide(existing, fp)
        if outcome is Outcome.mismatch:
            raise Refusal(
                422, "idempotency_key_reused", "this Idempotency-Key was used for another request"
            )
        if outcome is Outcome.in_flight:
            raise Refusal(
                409, "in_flight", "a request with this Idempotency-Key is still being handled"
            )
        assert existing.status is not None and existing.body is not None
        return Answer(
            existing.status,
            existing.body,
            existing.content_type or "application/json",
            {"Idempotent-Replayed": "true"},
        )
    try:
        answer = await work()
    except Refusal as refused:
        if refused.status >= 500:
            await ctx.idempotency.release(scope, key)
        else:  # a client error is the answer to this request, every time
            body = json.dumps(refused.body(), ensure_ascii=False).encode()
            await ctx.idempotency.answer(scope, key, refused.status, body, "application/json")
        raise
    except BaseException:
        await ctx.idempotency.release(scope, key)
        raise
    await ctx.idempotency.answer(scope, key, answer.status, answer.body, answer.content_type)
    return answer


async def publish_lead(ctx: Context, lead: LeadReceived, fmt: str) -> Stored:
    """Publish the lead and await JetStream's ack (a 2xx means the lead is stored)."""
    try:
        stored = await ctx.bus.publish_lead(lead, origin=fmt)
    except (NatsError, TimeoutError, OSError) as exc:
        ctx.metrics.leads.labels(fmt, "unavailable").inc()
        log.warning("lead not stored: %r", exc)
        raise Refusal(503, "unavailable", "the lead could not be stored; try again") from None
    ctx.metrics.leads.labels(fmt, "duplicate" if stored.duplicate else "accepted").inc()
    return stored


def within_permissions(
    config: CrmConfig, principal: Principal, data: dict[str, Any]
) -> dict[str, Any]:
    """The lead's responsible as the caller may set it (as deal-service's create does): one
    acting as a manager names only themselves (a person who names no one gets the lead);
    a РОП, or a token that acts as no one (a source), anyone."""
    actor = principal.actor_id
    user = config.user_or_none(actor) if actor else None
    if user is None or user.role == "rop":
        return data
    given = data.get("responsible_id")
    if given is not None and given != actor:
        raise Refusal(
            403,
            "forbidden",
            f"менеджер {user.name} не может назначить лид другому ответственному ({given}): "
            "назначает РОП",
        )
    if principal.kind == "user":
        return {**data, "responsible_id": actor}
    return data
