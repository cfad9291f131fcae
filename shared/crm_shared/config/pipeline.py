"""The funnel: stages in order, their tasks and deadlines, and the rules that guard moves."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, Field, field_validator

from ._base import Frozen, StageCode, Text
from .durations import Duration, parse_clock

__all__ = [
    "DEFAULT_REQUIRED_FIELDS",
    "FIELD_DISPLAY_NAMES",
    "PLANS",
    "REQUIRED_FIELD_NAMES",
    "ROP_ROBOT_PLANS",
    "ContactAttemptsRule",
    "DeliveryMethodCode",
    "DeliveryRule",
    "Pipeline",
    "Plan",
    "RequiredFieldsRule",
    "RopTaskRule",
    "Rules",
    "Stage",
    "StageKind",
    "StageTask",
]

Plan = Literal["free", "personal", "basic", "standard", "professional"]
PLANS: Final[tuple[Plan, ...]] = ("free", "personal", "basic", "standard", "professional")
"""The Bitrix24 plans («тарифы») the seed's rules depend on, cheapest first: «Бесплатный»,
«Персональный», «Базовый», «Стандартный», «Профессиональный»."""

ROP_ROBOT_PLANS: Final[tuple[Plan, ...]] = ("basic", "standard", "professional")
"""The plans whose robot puts `default_rop` into a new deal (SPEC §3 rule 1, the seed's
«Базовый, Стандартный»); on the others the responsible is asked to fill the РОП in."""

DeliveryMethodCode = Literal["delivery", "pickup"]

StageKind = Literal["active", "success", "failure"]

REQUIRED_FIELD_NAMES: Final[tuple[str, ...]] = (
    "contact",
    "requirements",
    "amount",
    "currency",
    "subject",
    "delivery_method",
    "contact.phone",
    "contact.name",
    "delivery_address",
)
"""Field names a `required_fields` rule may demand; the same names appear in `missing_fields`."""

FIELD_DISPLAY_NAMES: Final[dict[str, str]] = {
    "contact": "Клиент",
    "requirements": "Требования",
    "amount": "Сумма",
    "currency": "Валюта",
    "subject": "Предмет сделки",
    "delivery_method": "Способ доставки",
    "delivery_address": "Адрес доставки",
    "contact.phone": "Телефон контакта",
    "contact.name": "Имя контакта",
    "failure_comment": "Комментарий при провале",
    "contact_attempts": "Попытки связаться",
}
"""Russian display names of every `missing_fields` name (SPEC §5), for messages to people."""


def _check_field_name(value: str) -> str:
    if value not in REQUIRED_FIELD_NAMES:
        raise ValueError(
            f"неизвестное поле {value!r}; допустимые: {', '.join(REQUIRED_FIELD_NAMES)}"
        )
    return value


FieldName = Annotated[str, AfterValidator(_check_field_name)]


class StageTask(Frozen):
    """The task opened for the deal's responsible when a deal enters an active stage.

    `checklist` holds, per delivery method, the part of the description that only deals with
    that method need (the seed's PAYMENT_RECEIVED: one list for a delivery, another for a
    pickup); a deal gets its method's part after `description`, and a deal with no method
    yet gets every part, each under its own heading.
    """

    title: Text
    description: str = ""
    checklist: dict[DeliveryMethodCode, str] = Field(default_factory=dict)

    def description_for(self, delivery_method: str | None) -> str:
        """The description template for a deal with this delivery method."""
        if delivery_method in self.checklist:
            parts = [self.description, self.checklist[delivery_method]]
        else:
            parts = [self.description, *self.checklist.values()]
        return "\n\n".join(p.strip("\n") for p in parts if p.strip())


class Stage(Frozen):
    """One stage of the sales funnel.

    `kind` is active (work in progress), success (the one won stage) or failure (a lost
    stage); success and failure stages are final. The first stage of the pipeline is where
    every deal starts. `deadline` is how long the stage's task may stay open. `idle_after`
    (active stages only) is how long a deal may sit in the stage with no activity before it is
    «засиделась» while the stage's history is too short for a measured threshold (fewer than
    20 forward moves in 90 days); unset, such a stage is not watched.
    """

    code: StageCode
    name: Text
    kind: StageKind
    comment_required: bool = False
    deadline: Duration | None = None
    task: StageTask | None = None
    description: str = ""
    idle_after: Duration | None = None

    @property
    def is_final(self) -> bool:
        """Whether the stage closes the deal (success or failure)."""
        return self.kind != "active"

    @property
    def deadline_seconds(self) -> int | None:
        """The task deadline in whole seconds, or None when the stage has no deadline."""
        return None if self.deadline is None else int(self.deadline.total_seconds())


class RequiredFieldsRule(Frozen):
    """Fields a deal must have to move forward to an active stage later than `after`."""

    after: StageCode
    plans: tuple[Plan, ...] = Field(default=PLANS, min_length=1)
    fields: tuple[FieldName, ...] = Field(min_length=1)


class ContactAttemptsRule(Frozen):
    """A deal enters `stage` only after `required` failed contact attempts on its current stage.

    The count starts again whenever the deal enters another stage (the seed: «более 3 раз на
    одном из этапов»).
    """

    stage: StageCode = "LOST_NO_CONTACT"
    required: int = Field(default=3, ge=0)
    rop_must_agree: bool = True
    """Whether the deal's РОП must agree ("по согласованию с РОП"): the РОП agrees by making
    the move; anyone else who makes it is refused with `rop_approval_required`."""


class DeliveryRule(Frozen):
    """Delivery and the success stage (SPEC §3 rule 7).

    `stage` is only for deals whose delivery method is `method`, and such a deal reaches the
    success stage only from `stage`; any other deal (pickup, or no method) reaches it only
    from `pickup_from`.
    """

    stage: StageCode = "ORDER_SHIPPED"
    method: DeliveryMethodCode = "delivery"
    pickup_from: StageCode = "PAYMENT_RECEIVED"


class RopTaskRule(Frozen):
    """The free plan's task for the responsible to fill in the deal's РОП (SPEC §3 rule 1)."""

    title: Text = "Укажите руководителя отдела продаж"
    description: str = (
        "Для работы автоматизации воронки в каждой сделке должно быть заполнено поле РОП: "
        "руководитель отдела продаж или сотрудник, которому делегирован контроль за ведением "
        "сделок менеджерами. РОП становится постановщиком задач по сделке на каждой стадии "
        "воронки и получает уведомления о просроченных задачах.\n\n"
        "Укажите РОПа в поле сделки. Задача закроется автоматически, как только поле РОП "
        "будет заполнено."
    )
    deadline: Duration = timedelta(hours=1)


_BASIC_AND_UP: Final[tuple[Plan, ...]] = ("basic", "standard", "professional")

DEFAULT_REQUIRED_FIELDS: Final[tuple[RequiredFieldsRule, ...]] = (
    # «Клиент» on every plan (SPEC §3 rule 4): the seed names it for «Персональный», its
    # first paid plan, and this funnel asks it of the free plan too.
    RequiredFieldsRule(after="NEW_LEAD", plans=PLANS, fields=("contact",)),
    RequiredFieldsRule(after="NEW_LEAD", plans=_BASIC_AND_UP, fields=("requirements",)),
    RequiredFieldsRule(
        after="PROCESSING",
        plans=_BASIC_AND_UP,
        fields=("amount", "currency", "subject", "delivery_method"),
    ),
    RequiredFieldsRule(
        after="PROCESSING", plans=("professional",), fields=("contact.phone", "contact.name")
    ),
)
"""SPEC §3 rule 4, the seed's required fields by plan."""


class Rules(Frozen):
    """The funnel's rules as data. A rule set to null is switched off."""

    required_fields: tuple[RequiredFieldsRule, ...] = DEFAULT_REQUIRED_FIELDS
    contact_attempts: ContactAttemptsRule | None = ContactAttemptsRule()
    delivery: DeliveryRule | None = DeliveryRule()
    rop_task: RopTaskRule = RopTaskRule()


class Pipeline(Frozen):
    """The stages in funnel order, the rules that guard moves between them, and
    `idle_recount_at`: the local time (the team's `timezone`, «ЧЧ:ММ») deal-service measures
    the stages' idle thresholds anew every night (and at its start)."""

    stages: tuple[Stage, ...] = Field(min_length=1)
    rules: Rules = Rules()
    idle_recount_at: time = time(3, 0)

    @field_validator("idle_recount_at", mode="before")
    @classmethod
    def _clock(cls, value: object) -> time:
        return parse_clock(value, "03:00")
