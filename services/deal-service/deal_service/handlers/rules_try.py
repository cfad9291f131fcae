"""`TryRules`: the dry run of a rule change (issue 24 §2). The proposed configuration is read
by the loader that reads the real one; the period's history is replayed against it in one
read-only snapshot. Nothing is written, nothing is emitted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crm_shared.config import ConfigError, loads_config
from crm_shared.contracts.commands import ErrorCode, Refused, ok
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.rules_try import TryRules
from deal_service.adapters import rules_try as sql
from deal_service.domain.access import scope
from deal_service.domain.rules_try import RulesTry
from deal_service.handlers.context import Context


async def rules_try(q: TryRules, ctx: Context) -> dict[str, Any]:
    """Replay the last `since_days` days against `q.config`; in the actor's scope."""
    responsible_id = scope(ctx.config, q.actor_id)
    try:
        proposed = loads_config(q.config, source="the proposed configuration")
    except ConfigError as exc:
        problems = "; ".join(exc.problems) or str(exc)
        raise Refused(ErrorCode.invalid, str(exc), reason="config", problems=problems) from None
    end = utcnow()
    start = end - timedelta(days=q.since_days)
    attempts = proposed.pipeline.rules.contact_attempts
    replay = RulesTry(ctx.config, proposed, start, end, q.examples)
    async with ctx.report_gate, ctx.uow() as uow:
        await sql.begin_snapshot(uow.conn)
        async for past in sql.pasts(
            uow.conn, start, end, responsible_id, attempts.stage if attempts else None
        ):
            replay.add(past)
    return ok(report=replay.report())
