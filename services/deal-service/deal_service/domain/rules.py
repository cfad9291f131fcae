"""The pipeline's rules (SPEC §3, rules 4–7), checked before a move changes anything.

Refusing before the change (rather than reverting after it, as the seed's Bitrix24 robot
does) leaves no false stage in tasks or analytics.
"""

from __future__ import annotations

from crm_shared.commands import ErrorCode, Refused
from crm_shared.config import CrmConfig
from deal_service.domain.model import Deal


def field_present(deal: Deal, name: str) -> bool:
    """Whether a required-field name (`contact`, `amount`, `contact.phone`...) is filled."""
    if name == "contact":
        return deal.contact is not None
    if name.startswith("contact."):
        return deal.contact is not None and bool(getattr(deal.contact, name[8:], None))
    if name == "amount":
        return deal.amount is not None and deal.amount > 0
    value = getattr(deal, name, None)
    return value is not None and value != ""


def check_move(
    deal: Deal, to_stage: str, actor_id: str, failure_comment: str | None, config: CrmConfig
) -> None:
    """Raise Refused when `deal` may not move to `to_stage`; every missing field is listed."""
    target = config.stage_or_none(to_stage)
    if target is None:
        raise Refused(ErrorCode.invalid, f"unknown stage {to_stage!r}")
    if deal.stage == to_stage:
        raise Refused(ErrorCode.transition_not_allowed, f"the deal is already in {to_stage}")
    if config.is_final(deal.stage):
        raise Refused(
            ErrorCode.transition_not_allowed,
            f"the deal is closed in {deal.stage}; a closed deal does not move",
        )
    _check_delivery(deal, to_stage, config)
    missing = [
        name
        for name in config.required_fields_for(deal.stage, to_stage, config.plan)
        if not field_present(deal, name)
    ]
    if target.comment_required and not (failure_comment or deal.failure_comment):
        missing.append("failure_comment")
    attempts = config.pipeline.rules.contact_attempts
    if attempts is not None and to_stage == attempts.stage:
        rop_agrees = attempts.rop_may_override and actor_id == deal.rop_id
        if deal.contact_attempts < attempts.required and not rop_agrees:
            missing.append("contact_attempts")
    if missing:
        raise Refused(
            ErrorCode.missing_fields,
            f"cannot move to {to_stage}: missing {', '.join(missing)}",
            missing_fields=missing,
        )


def _check_delivery(deal: Deal, to_stage: str, config: CrmConfig) -> None:
    rule = config.pipeline.rules.delivery
    if rule is None:
        return
    if to_stage == rule.stage and deal.delivery_method != rule.method:
        raise Refused(
            ErrorCode.transition_not_allowed,
            f"{to_stage} is only for deals with delivery_method {rule.method!r}, "
            f"this deal has {deal.delivery_method!r}",
        )
    if (
        to_stage == config.success_stage.code
        and deal.delivery_method == rule.method
        and deal.stage != rule.stage
    ):
        raise Refused(
            ErrorCode.transition_not_allowed,
            f"a {rule.method!r} deal reaches {to_stage} only from {rule.stage}",
        )


def check_user(
    config: CrmConfig, user_id: str | None, what: str, *, role: str | None = None
) -> None:
    """Refuse an unknown user id (or one without the needed role)."""
    if user_id is None:
        return
    user = config.user_or_none(user_id)
    if user is None:
        raise Refused(ErrorCode.not_found, f"{what}: unknown user {user_id!r}")
    if role is not None and user.role != role:
        raise Refused(ErrorCode.invalid, f"{what}: user {user_id!r} is not a {role}")
