"""`TryRules`: the dry run of a rule change (issue 24 §2). The proposed configuration is read
by the loader that reads the real one; the period's history is replayed against it in one
read-only snapshot. Nothing is written, nothing is emitted."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from datetime import timedelta
from typing import Any

from crm_shared.config import ConfigError, loads_config
from crm_shared.config.access import scope
from crm_shared.contracts.deal import TryRules
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from deal_service.adapters import rules_try as sql
from deal_service.domain.rules_try import RulesTry
from deal_service.handlers.context import Context

YIELD_EVERY = 200
"""Deals judged between two turns of the event loop: the replay is CPU work (a deal's moves
take about 0.1 ms), and the service's moves and leads must not wait seconds behind it."""


async def rules_try(q: TryRules, ctx: Context) -> dict[str, Any]:
    """Replay the last `since_days` days against `q.config`; in the actor's scope."""
    responsible_id = scope(ctx.config, q.actor_id)
    try:
        proposed = loads_config(q.config, source="<присланный текст>")
    except ConfigError as exc:
        # As every refusal: `reason` the code programs read, `message` English for logs, and
        # `problems` what people read (the gateway's «Конфигурация не принята: …»): the
        # file's key paths with Russian reasons, as the operator reads them at start.
        problems = "; ".join(exc.problems) or str(exc)
        count = len(exc.problems) or 1
        message = f"the proposed configuration is not valid ({count} problem(s), see params)"
        raise Refused(ErrorCode.invalid, message, reason="config", problems=problems) from None
    end = utcnow()
    start = end - timedelta(days=q.since_days)
    attempts = proposed.pipeline.rules.contact_attempts
    replay = RulesTry(ctx.config, proposed, start, end, q.examples)
    async with ctx.report_gate, ctx.uow() as uow:
        await sql.begin_snapshot(uow.conn)
        stage = attempts.stage if attempts else None
        # Closed here, not by the collector: the round it reads ahead ends before the
        # transaction does.
        async with aclosing(sql.pasts(uow.conn, start, end, responsible_id, stage)) as pasts:
            async for past in pasts:
                replay.add(past)
                if replay.deals % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
    return ok(report=replay.report())
