"""A person's data erased (152-ФЗ, GDPR): `EraseContact`, a РОП only.

In one transaction: the contact's name becomes `ERASED` and its phone and e-mail are gone;
in each of its deals the free texts about the person become `ERASED` — the title,
Требования, the delivery address, the lead's comment, the notes of the contact attempts,
and in the deal's story the notes, a declined approval's reason and the old and new values
of those fields and of the contact's (`adapters.erasure`) —, and the deal goes one version
up; the erasure is logged (`deal.erasures`, and a log line). The outbox then carries a
`DealUpdated` with `erased: true` per deal, which task-service and through it the notifier
obey, and one `ContactErased`. Deals, stages, amounts, companies, what was ordered, the
failure comment, dates and who did what stay, for analytics.
"""

from __future__ import annotations

import logging
from typing import Any

from crm_shared.contracts.deal import ContactErased, DealUpdated, EraseContact
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from deal_service.adapters import erasure
from deal_service.adapters import repository as repo
from deal_service.domain.rules import check_user
from deal_service.handlers.context import Context
from deal_service.settings import SCHEMA

log = logging.getLogger(__name__)

# What DealUpdated names as changed (the contact's fields, as an update names them).
CHANGED = [
    *erasure.DEAL_TEXTS,
    "contact.name",
    "contact.phone",
    "contact.email",
    "comment",
]


async def erase_contact(cmd: EraseContact, ctx: Context) -> dict[str, Any]:
    """Erase the contact's personal fields here, and have every service erase its copies."""
    check_user(ctx.config, cmd.actor_id, "actor_id")
    actor = ctx.config.user_or_none(cmd.actor_id)
    if actor is None or actor.role != "rop":
        raise Refused(ErrorCode.forbidden, "only a РОП may erase a contact's personal data")
    now = utcnow()
    async with ctx.uow() as uow:
        conn = uow.conn
        found = await conn.fetchval(
            f"SELECT id FROM {SCHEMA}.contacts WHERE id = $1 FOR UPDATE", cmd.contact_id
        )
        if found is None:
            raise Refused(
                ErrorCode.not_found, f"contact {cmd.contact_id!r} not found", reason="contact"
            )
        await erasure.contact(conn, cmd.contact_id)
        deal_ids = await erasure.deals(conn, cmd.contact_id, now)
        await erasure.stories(conn, deal_ids)
        await conn.execute(
            f"""INSERT INTO {SCHEMA}.erasures (contact_id, actor_id, at, deal_ids)
                VALUES ($1, $2, $3, $4)""",
            cmd.contact_id,
            cmd.actor_id,
            now,
            deal_ids,
        )
        for deal_id in sorted(deal_ids):
            deal = await repo.get_deal(conn, deal_id)
            assert deal is not None  # updated above, in this transaction
            event = DealUpdated(
                deal=deal.to_dto(), changed=CHANGED, erased=True, actor_id=cmd.actor_id
            )
            uow.emit(event, subject_id=deal_id)
        erased = ContactErased(
            contact_id=cmd.contact_id,
            deal_ids=sorted(deal_ids),
            erased_by=cmd.actor_id,
            erased_at=now,
        )
        uow.emit(erased, subject_id=cmd.contact_id)
        await uow.commit()
    log.info("contact %s erased by %s: %d deal(s)", cmd.contact_id, cmd.actor_id, len(deal_ids))
    return ok(contact_id=cmd.contact_id, deal_ids=sorted(deal_ids))
