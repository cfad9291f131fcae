"""The pipeline's rules (SPEC §3, rules 4–7) as pure functions over a deal and the configuration.

`Deal` (in `model`) calls these before it changes anything: refusing before the change (not
reverting after it, as the seed's Bitrix24 robot does) leaves no false stage in tasks or
analytics. A refusal is `Refused` with the code the event API names.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from crm_shared.config import CrmConfig, Plan
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.contracts.text import (
    filled as filled,  # rule 4's "a value" (rules.filled to its callers)
)
from deal_service.domain.contacts import Contact


class DealFacts(Protocol):
    """What the rules read of a deal (`model.Deal` has it): the rules sit below the aggregate
    that calls them, and import nothing of it. Other fields are read by name (rule 4)."""

    @property
    def stage(self) -> str: ...
    @property
    def contact(self) -> Contact | None: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def failure_comment(self) -> str | None: ...
    @property
    def contact_attempts(self) -> int: ...
    @property
    def rop_id(self) -> str | None: ...
    @property
    def delivery_method(self) -> str | None: ...


CLIENT_DETAILS = ("name", "phone", "email")
"""What makes a contact a client («Клиент»): at least one of these filled. A contact with
none of them (a lead that brought only a comment) names nobody to work with."""


def field_present(deal: DealFacts, name: str, config: CrmConfig | None = None) -> bool:
    """Whether a required-field name (`contact`, `amount`, `contact.phone`...) is filled.

    `delivery_address` is asked only of a deal delivered (the delivery rule's method, default
    "delivery"): a pickup deal, or one with no method yet, needs no address.
    """
    if name == "contact":
        contact = deal.contact
        return contact is not None and any(filled(getattr(contact, f)) for f in CLIENT_DETAILS)
    if name == "delivery_address" and not _delivered(deal, config):
        return True
    if name.startswith("contact."):
        return deal.contact is not None and filled(getattr(deal.contact, name[8:], None))
    if name == "amount":
        return deal.amount is not None and deal.amount > 0
    return filled(getattr(deal, name, None))


def _delivered(deal: DealFacts, config: CrmConfig | None) -> bool:
    rule = config.pipeline.rules.delivery if config is not None else None
    return deal.delivery_method == (rule.method if rule is not None else "delivery")


def required_on(stage: str, config: CrmConfig, plan: Plan | None = None) -> list[str]:
    """The fields a deal must have to stand in `stage` (rule 4), in rule order, once each.

    Every rule for `plan` (default: the configured plan) whose `after` stage lies before
    `stage`; nothing for a failure stage. Raises `UnknownStage` for an unknown code.
    """
    plan = config.plan if plan is None else plan
    known = _REQUIRED.get(id(config))
    if known is None:
        known = _REQUIRED[id(config)] = {}
        weakref.finalize(config, _REQUIRED.pop, id(config), None)
    found = known.get((stage, plan))
    if found is None:
        found = known[(stage, plan)] = _required_on(stage, config, plan)
    return list(found)


_REQUIRED: dict[int, dict[tuple[str, str], tuple[str, ...]]] = {}
"""`required_on` per configuration (by id, dropped with it): a pure function of a frozen
configuration, asked once a move; `crm rules try` asks it a million times."""


def _required_on(stage: str, config: CrmConfig, plan: Plan) -> tuple[str, ...]:
    target = config.index(stage)
    if config.stage(stage).kind == "failure":
        return ()
    fields: dict[str, None] = {}
    for rule in config.pipeline.rules.required_fields:
        if plan in rule.plans and target > config.index(rule.after):
            fields.update(dict.fromkeys(rule.fields))
    return tuple(fields)


def kept_on(stage: str, config: CrmConfig) -> list[str]:
    """The fields an update may not empty while the deal stands in `stage`: those rule 4
    requires there, and the failure comment of a stage that needs one (rule 5)."""
    comment = ["failure_comment"] if config.stage(stage).comment_required else []
    return required_on(stage, config) + comment


def check_kept(
    before: DealFacts, after: DealFacts, sharing: Iterable[tuple[str, str]], config: CrmConfig
) -> None:
    """Refuse an update (`before` → `after`) that empties a field the deal's stage requires
    (rules 4, 5), or a contact field that another open deal of the same contact requires at
    its stage: the contact is one row, so emptying it for one deal empties it for all.

    `sharing` are (deal id, stage) of the contact's other deals; closed ones do not count.
    """

    def emptied(names: Iterable[str]) -> list[str]:
        return [
            n
            for n in names
            if field_present(before, n, config) and not field_present(after, n, config)
        ]

    lost = emptied(kept_on(before.stage, config))
    if lost:
        raise Refused(
            ErrorCode.missing_fields,
            f"stage {before.stage} requires {', '.join(lost)}: it cannot be emptied",
            missing_fields=lost,
            reason="kept",
            stage=before.stage,
        )
    needed: dict[str, None] = {}
    by: list[str] = []
    for deal_id, stage in sharing:
        known = config.stage_or_none(stage)
        if known is None or known.is_final:
            continue
        names = emptied(n for n in kept_on(stage, config) if n.startswith("contact."))
        if names:
            needed.update(dict.fromkeys(names))
            by.append(f"deal {deal_id} in {stage} requires {', '.join(names)}")
    if needed:
        raise Refused(
            ErrorCode.missing_fields,
            f"the contact is shared: {'; '.join(by)}; it cannot be emptied",
            missing_fields=list(needed),
            reason="shared",
        )


def reads_contact(from_stage: str, to_stage: str, config: CrmConfig) -> bool:
    """Whether a move needs the contact's own fields (`contact.phone`...): the move then
    holds the contact's row, so that an update through another deal cannot empty it."""
    if config.stage_or_none(to_stage) is None:
        return False
    fields = required_fields_for(from_stage, to_stage, config)
    return any(name.startswith("contact.") for name in fields)


def required_fields_for(
    from_stage: str, to_stage: str, config: CrmConfig, plan: Plan | None = None
) -> list[str]:
    """The fields a move from `from_stage` to `to_stage` needs (rule 4).

    A forward move, the success stage included, needs every rule it passes, so a move that
    skips stages is held by all of them; a move backwards, standing still or to a failure
    stage needs nothing.
    """
    if config.index(to_stage) <= config.index(from_stage):
        return []
    return required_on(to_stage, config, plan)


def check_move(
    deal: DealFacts, to_stage: str, actor_id: str, failure_comment: str | None, config: CrmConfig
) -> None:
    """Raise Refused when `deal` may not move to `to_stage`; every missing field is listed.

    The order of the checks is the order of the answer: a bad target, a closed deal, a path
    that rule 7 forbids, missing fields (rules 4–6), and last the РОП's agreement (rule 6),
    which is asked for only when nothing else stands in the way.
    """
    target = config.stage_or_none(to_stage)
    if target is None:
        raise Refused(ErrorCode.invalid, f"unknown stage {to_stage!r}", reason="unknown_stage")
    if deal.stage == to_stage:
        raise Refused(
            ErrorCode.transition_not_allowed,
            f"the deal is already in {to_stage}",
            reason="already",
            stage=to_stage,
        )
    if config.is_final(deal.stage):
        raise Refused(
            ErrorCode.transition_not_allowed,
            f"the deal is closed in {deal.stage}; a closed deal does not move",
            reason="closed",
            stage=deal.stage,
        )
    _check_delivery(deal, to_stage, config)
    missing = [
        name
        for name in required_fields_for(deal.stage, to_stage, config)
        if not field_present(deal, name, config)
    ]
    if target.comment_required and not (filled(failure_comment) or filled(deal.failure_comment)):
        missing.append("failure_comment")
    attempts = config.pipeline.rules.contact_attempts
    no_contact = attempts is not None and to_stage == attempts.stage
    tried: dict[str, str | None] = {}
    if attempts is not None and no_contact and deal.contact_attempts < attempts.required:
        missing.append("contact_attempts")  # with the attempts made and needed (the sentence)
        tried = {"attempts": str(deal.contact_attempts), "required": str(attempts.required)}
    if missing:
        message = f"cannot move to {to_stage}: missing {', '.join(missing)}"
        raise Refused(ErrorCode.missing_fields, message, missing_fields=missing, **tried)
    rop_must_agree = attempts is not None and no_contact and attempts.rop_must_agree
    if rop_must_agree and not is_deals_rop(deal, actor_id, config):
        raise Refused(
            ErrorCode.rop_approval_required,
            f"moving to {to_stage} needs the agreement of the deal's РОП: the РОП makes this "
            f"move; {_who_is_asked(deal, config)[1]}",
            stage=to_stage,
            asked=_who_is_asked(deal, config)[0],
        )


def _who_is_asked(deal: DealFacts, config: CrmConfig) -> tuple[str, str]:
    """Whom the notifier asks to agree (its `approval_recipients`): the `asked` param and
    the refusal's message."""
    if deal.rop_id is not None:
        return "rop", "the РОП has been asked"
    if config.default_rop is not None:
        return "default_rop", "the default РОП has been asked"
    if any(user.role == "rop" for user in config.users):
        return "every_rop", "the deal has no РОП: every user with role rop has been asked"
    return "nobody", "the deal has no РОП and no user has role rop: nobody could be asked"


def is_deals_rop(deal: DealFacts, actor_id: str, config: CrmConfig) -> bool:
    """Whether `actor_id` speaks for the deal's РОП: is it, or, when the deal has none (the
    free plan before the field is filled), is a user with role rop."""
    if deal.rop_id is not None:
        return actor_id == deal.rop_id
    user = config.user_or_none(actor_id)
    return user is not None and user.role == "rop"


def _check_delivery(deal: DealFacts, to_stage: str, config: CrmConfig) -> None:
    """Rule 7: the delivery stage is for delivery deals; the success stage follows payment."""
    rule = config.pipeline.rules.delivery
    if rule is None:
        return
    if to_stage == rule.stage and deal.delivery_method != rule.method:
        raise Refused(
            ErrorCode.transition_not_allowed,
            f"{to_stage} is only for deals with delivery_method {rule.method!r}, "
            f"this deal has {deal.delivery_method!r}",
            reason="delivery_only",
            stage=to_stage,
            method=deal.delivery_method,
        )
    if to_stage == config.success_stage.code:
        delivered = deal.delivery_method == rule.method
        source = rule.stage if delivered else rule.pickup_from
        if deal.stage != source:
            kind = repr(deal.delivery_method) if deal.delivery_method else "no delivery_method"
            raise Refused(
                ErrorCode.transition_not_allowed,
                f"a deal with {kind} reaches {to_stage} only from {source}",
                reason="success_from",
                stage=to_stage,
                source=source,
                method=deal.delivery_method,
            )


def check_user(
    config: CrmConfig, user_id: str | None, what: str, *, role: str | None = None
) -> None:
    """Refuse an unknown user id (or one without the needed role)."""
    if user_id is None:
        return
    user = config.user_or_none(user_id)
    if user is None:
        raise Refused(ErrorCode.not_found, f"{what}: unknown user {user_id!r}", reason="user")
    if role is not None and user.role != role:
        raise Refused(
            ErrorCode.invalid, f"{what}: user {user_id!r} is not a {role}", reason="not_role"
        )
