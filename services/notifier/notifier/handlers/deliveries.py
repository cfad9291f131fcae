"""One attempt at a webhook or e-mail delivery, and what it leaves in the attempt log."""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import UTC, datetime

from crm_shared.config import WebhookChannel
from notifier.adapters import deliveries as repo
from notifier.domain.delivery import Decision, Verdict, judge_failure, judge_http
from notifier.domain.messages import EMAIL_SUBJECTS
from notifier.handlers.context import Context

log = logging.getLogger(__name__)
# Row status after each verdict; `pending` rows are tried again at next_attempt_at, `failed`
# ones only when retried by hand.
_STATUS = {
    Verdict.delivered: "delivered",
    Verdict.retry: "pending",
    Verdict.fail: "failed",
    Verdict.disable: "disabled",
}
_OUTCOME = {
    Verdict.delivered: "delivered",
    Verdict.retry: "retry",
    Verdict.fail: "failed",
    Verdict.disable: "disabled",
}


async def claim_due(ctx: Context, limit: int, lease: float) -> list[repo.Claimed]:
    """Take due deliveries for one attempt each (see `repo.claim_due`)."""
    async with ctx.uow() as uow:
        claimed = await repo.claim_due(uow.conn, limit, lease)
        await uow.commit()
    return claimed


async def next_due_in(ctx: Context) -> float | None:
    """Seconds until the next delivery is due, None if nothing is pending."""
    async with ctx.uow() as uow:
        return await repo.next_due_in(uow.conn)


async def attempt(ctx: Context, claimed: repo.Claimed) -> Verdict | None:
    """Make one attempt and record it; returns the verdict (None: given up on purpose)."""
    started = time.monotonic()
    if claimed.disabled:
        await _finish(ctx, claimed, "disabled", "адрес отключён: раньше он ответил 410 Gone")
        return None
    code: int | None = None
    if claimed.channel == "webhook":
        endpoint = _endpoint(ctx, claimed)
        if endpoint is None:
            await _finish(ctx, claimed, "cancelled", "этого адреса больше нет в настройках")
            return None
        answer = await ctx.webhooks.post(claimed.target, endpoint.key, claimed.id, claimed.payload)
        code, error = answer.status, answer.error
        decision = judge_http(
            code, answer.retry_after, claimed.attempt, ctx.policy, datetime.now(UTC), random.random
        )
    elif claimed.channel == "email":
        text = json.loads(claimed.payload)["data"]["text"]
        subject = EMAIL_SUBJECTS.get(claimed.kind, "CRM")
        error = await ctx.email.send(claimed.id, claimed.target, subject, text)
        decision = (
            Decision(Verdict.delivered)
            if error is None
            else judge_failure(claimed.attempt, ctx.policy, random.random)
        )
    else:
        await _finish(ctx, claimed, "cancelled", f"неизвестный канал «{claimed.channel}»")
        return None
    elapsed = time.monotonic() - started
    await _record(ctx, claimed, decision, code, error, elapsed)
    return decision.verdict


def _endpoint(ctx: Context, claimed: repo.Claimed) -> WebhookChannel | None:
    # The secret is read from the configuration at each attempt, never stored with the row.
    user = ctx.config.user_or_none(claimed.user_id)
    for channel in user.channels if user else ():
        if isinstance(channel, WebhookChannel) and channel.url == claimed.target:
            return channel
    return None


async def _record(
    ctx: Context,
    claimed: repo.Claimed,
    decision: Decision,
    code: int | None,
    error: str | None,
    elapsed: float,
) -> None:
    retry_in = decision.delay if decision.verdict == Verdict.retry else None
    async with ctx.uow() as uow:
        if decision.verdict == Verdict.disable:
            await repo.disable_endpoint(uow.conn, claimed.target, claimed.user_id, "410 Gone")
        await repo.record_attempt(
            uow.conn,
            claimed,
            status=_STATUS[decision.verdict],
            outcome=_OUTCOME[decision.verdict],
            status_code=code,
            error=error,
            duration_ms=int(elapsed * 1000),
            retry_in=retry_in,
        )
        await uow.commit()
    ctx.metrics.delivery_duration.labels(claimed.channel).observe(elapsed)
    ctx.metrics.notifications.labels(claimed.channel, _OUTCOME[decision.verdict]).inc()
    if decision.verdict == Verdict.retry:
        log.warning(
            "%s delivery %s to %s failed (attempt %d: %s); next try in %.1fs",
            claimed.channel,
            claimed.id,
            claimed.target,
            claimed.attempt,
            error,
            decision.delay,
        )
    elif decision.verdict == Verdict.fail:
        log.warning(
            "%s delivery %s to %s failed after %d attempts (%s): given up; "
            "`crm delivery retry %s` tries again",
            claimed.channel,
            claimed.id,
            claimed.target,
            claimed.attempt,
            error,
            claimed.id,
        )
    elif decision.verdict == Verdict.disable:
        log.warning("webhook %s answered 410 Gone: endpoint disabled", claimed.target)


async def _finish(ctx: Context, claimed: repo.Claimed, status: str, reason: str) -> None:
    async with ctx.uow() as uow:
        await repo.record_attempt(
            uow.conn,
            claimed,
            status=status,
            outcome=status,
            status_code=None,
            error=reason,
            duration_ms=0,
            retry_in=None,
        )
        await uow.commit()
    ctx.metrics.notifications.labels(claimed.channel, status).inc()
