"""The root of the configuration, its cross-field checks and the look-ups services use."""

from __future__ import annotations

from typing import Self
from zoneinfo import ZoneInfo

from pydantic import Field, PrivateAttr, model_validator

from ._base import Currency, Frozen, TimeZoneName, UserId
from .notifications import NotificationSettings
from .people import (
    Access,
    EmailChannel,
    FixedAssignment,
    LeadAssignment,
    RoundRobinAssignment,
    SmtpSettings,
    User,
    WebhookSettings,
    notify_problems,
)
from .pipeline import FIELD_DISPLAY_NAMES, ROP_ROBOT_PLANS, Pipeline, Plan, Stage
from .rule_checks import rule_problems
from .streams import DEFAULT_LEAD_SOURCES, LeadSource, StreamSettings
from .templates import template_problems

__all__ = ["DEFAULT_CURRENCIES", "CrmConfig", "UnknownStage"]

DEFAULT_CURRENCIES: tuple[str, ...] = ("RUB", "KZT", "BYN", "USD", "EUR", "CNY")


class UnknownStage(KeyError):
    """A stage code that the configured pipeline does not have."""

    def __str__(self) -> str:
        return f"unknown stage {self.args[0]!r}"


class CrmConfig(Frozen):
    """The whole CRM configuration: plan, users, lead assignment, pipeline, notifier settings.

    Loaded once per service by `load_config`; every check that spans several keys runs on
    construction, and a failure names the key path (`pipeline.stages[3].kind: ...`).
    """

    plan: Plan
    timezone: TimeZoneName = "Europe/Moscow"
    """The team's zone: how times are shown to people, and where their days and weeks begin
    (events and APIs keep UTC); a user's own `timezone` overrides it for them."""
    default_rop: UserId | None = None
    currencies: tuple[Currency, ...] = Field(default=DEFAULT_CURRENCIES, min_length=1)
    """The currencies a person picks a deal's from (the first is a new deal's); a deal in
    another currency (a lead may bring any ISO 4217 code) keeps it."""
    users: tuple[User, ...] = Field(min_length=1)
    lead_assignment: LeadAssignment = RoundRobinAssignment()
    access: Access = Access()
    pipeline: Pipeline
    webhook: WebhookSettings = WebhookSettings()
    smtp: SmtpSettings | None = None
    lead_sources: tuple[LeadSource, ...] = DEFAULT_LEAD_SOURCES
    streams: StreamSettings = StreamSettings()
    notifications: NotificationSettings = NotificationSettings()

    _stage_index: dict[str, int] = PrivateAttr(default_factory=dict)
    _users: dict[str, User] = PrivateAttr(default_factory=dict)
    _managers: tuple[User, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _cross_check(self) -> Self:
        problems = [*self._user_problems(), *self._stage_problems(), *rule_problems(self.pipeline)]
        if problems:
            # One ValueError carrying every problem, one per line: the loader splits them so
            # that the operator fixes the whole file in one pass.
            raise ValueError("\n".join(problems))
        self._stage_index = {stage.code: i for i, stage in enumerate(self.pipeline.stages)}
        self._users = {user.id: user for user in self.users}
        self._managers = tuple(user for user in self.users if user.role == "manager")
        return self

    def _user_problems(self) -> list[str]:
        problems: list[str] = []
        seen: dict[str, int] = {}
        for i, user in enumerate(self.users):
            if user.id in seen:
                problems.append(f"users[{i}].id: id {user.id!r} уже есть у users[{seen[user.id]}]")
            seen.setdefault(user.id, i)
            problems += notify_problems(i, user)
            for j, channel in enumerate(user.channels):
                if isinstance(channel, EmailChannel) and self.smtp is None:
                    problems.append(f"users[{i}].channels[{j}]: для канала email нужен раздел smtp")
        by_id = {user.id: user for user in self.users}

        if self.default_rop is None:
            if self.rop_robot:
                problems.append(
                    f"default_rop: обязателен на тарифе {self.plan!r}: новые сделки получают "
                    "этого РОП сами (SPEC §3, правило 1)"
                )
        elif (rop := by_id.get(self.default_rop)) is None:
            problems.append(f"default_rop: нет пользователя {self.default_rop!r}")
        elif rop.role != "rop":
            problems.append(f"default_rop: у пользователя {rop.id!r} роль {rop.role}, а нужна rop")

        assignment = self.lead_assignment
        if isinstance(assignment, FixedAssignment):
            if (chosen := by_id.get(assignment.user_id)) is None:
                problems.append(f"lead_assignment.user_id: нет пользователя {assignment.user_id!r}")
            elif chosen.role != "manager":
                problems.append(
                    f"lead_assignment.user_id: у пользователя {chosen.id!r} роль {chosen.role}, "
                    "а нужна manager"
                )
        elif not any(user.role == "manager" for user in self.users):
            problems.append(
                "lead_assignment: для round_robin нужен хотя бы один пользователь с ролью manager"
            )
        return problems

    def _stage_problems(self) -> list[str]:
        problems: list[str] = []
        stages = self.pipeline.stages
        codes: dict[str, int] = {}
        names: dict[str, int] = {}
        success: list[int] = []
        for i, stage in enumerate(stages):
            at = f"pipeline.stages[{i}]"
            if stage.code in codes:
                problems.append(
                    f"{at}.code: код этапа {stage.code!r} уже есть у "
                    f"pipeline.stages[{codes[stage.code]}]"
                )
            if stage.name in names:
                problems.append(
                    f"{at}.name: название этапа {stage.name!r} уже есть у "
                    f"pipeline.stages[{names[stage.name]}]"
                )
            codes.setdefault(stage.code, i)
            names.setdefault(stage.name, i)
            if stage.kind == "success":
                success.append(i)
            if stage.is_final:
                # A final stage closes every task of the deal (SPEC §3 rule 2): nothing to open.
                if stage.task is not None:
                    problems.append(f"{at}.task: этап {stage.kind} финальный, задач не открывает")
                if stage.deadline is not None:
                    problems.append(f"{at}.deadline: этап {stage.kind} финальный, срока у него нет")
            elif stage.task is not None and stage.deadline is None:
                problems.append(f"{at}.deadline: обязателен для активного этапа с задачей")
            elif stage.task is None and stage.deadline is not None:
                problems.append(f"{at}.deadline: у этапа нет задачи, к которой относился бы срок")
            if stage.idle_after is not None and stage.is_final:
                problems.append(
                    f"{at}.idle_after: этап {stage.kind} финальный, сделки на нём не засиживаются"
                )
            elif stage.idle_after is not None and stage.idle_after.total_seconds() <= 0:
                problems.append(f"{at}.idle_after: должно быть больше нуля")
            if stage.comment_required and stage.kind != "failure":
                problems.append(
                    f"{at}.comment_required: комментарий о провале бывает только у этапов failure"
                )
            if stage.task is not None:
                problems += [f"{at}.task.title: {p}" for p in template_problems(stage.task.title)]
                problems += [
                    f"{at}.task.description: {p}" for p in template_problems(stage.task.description)
                ]
                for method, text in stage.task.checklist.items():
                    problems += [
                        f"{at}.task.checklist.{method}: {p}" for p in template_problems(text)
                    ]
        if stages[0].kind != "active":
            problems.append(
                f"pipeline.stages[0].kind: с первого этапа сделки начинаются, поэтому он должен "
                f"быть active, а не {stages[0].kind}"
            )
        if not success:
            problems.append("pipeline.stages: нет этапа с kind success (нужен ровно один)")
        for i in success[1:]:
            problems.append(
                f"pipeline.stages[{i}].kind: второй этап success "
                f"(pipeline.stages[{success[0]}] уже такой; нужен ровно один)"
            )
        return problems

    # --- look-ups -------------------------------------------------------------------------

    @property
    def rop_robot(self) -> bool:
        """Whether new deals get `default_rop` by themselves (plans basic and above, SPEC §3
        rule 1); on free and personal the responsible gets the task `rop_task` instead."""
        return self.plan in ROP_ROBOT_PLANS

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The pipeline's stages in funnel order."""
        return self.pipeline.stages

    @property
    def stage_codes(self) -> tuple[str, ...]:
        """The stage codes in funnel order."""
        return tuple(stage.code for stage in self.pipeline.stages)

    @property
    def _positions(self) -> dict[str, int]:
        # Past pydantic's __getattr__ (which a private attribute goes through, ~8 µs a read):
        # the rules look stages up several times a move, `crm rules try` a million moves.
        positions: dict[str, int] = self.__pydantic_private__["_stage_index"]  # type: ignore[index]
        return positions

    def stage_or_none(self, code: str) -> Stage | None:
        """The stage with this code, or None if the pipeline has no such stage."""
        i = self._positions.get(code)
        return None if i is None else self.pipeline.stages[i]

    def stage(self, code: str) -> Stage:
        """The stage with this code; raises `UnknownStage` (a `KeyError`) if there is none."""
        return self.pipeline.stages[self.index(code)]

    def index(self, code: str) -> int:
        """The stage's position in the pipeline (0 for the entry stage); `UnknownStage` if none."""
        try:
            return self._positions[code]
        except KeyError:
            raise UnknownStage(code) from None

    @property
    def entry_stage(self) -> Stage:
        """The first stage: where every new deal, from a lead or by hand, starts."""
        return self.pipeline.stages[0]

    @property
    def success_stage(self) -> Stage:
        """The one stage of kind success (the deal is won)."""
        return next(stage for stage in self.pipeline.stages if stage.kind == "success")

    @property
    def failure_stages(self) -> tuple[Stage, ...]:
        """The stages of kind failure, in pipeline order."""
        return tuple(stage for stage in self.pipeline.stages if stage.kind == "failure")

    def is_final(self, code: str) -> bool:
        """Whether the stage is final (success or failure); `UnknownStage` if there is none."""
        return self.stage(code).is_final

    def user_or_none(self, user_id: str) -> User | None:
        """The user with this id, or None."""
        return self._user_index().get(user_id)

    def zone(self, user_id: str | None = None) -> ZoneInfo:
        """The zone in which `user_id` reads times (theirs, else the configuration's)."""
        user = self._user_index().get(user_id) if user_id else None
        return ZoneInfo(user.timezone if user and user.timezone else self.timezone)

    def sees_all(self, user_id: str) -> bool:
        """Whether the user reads and changes every deal and task (`access` of their role);
        False for an unknown user."""
        user = self._user_index().get(user_id)
        return user is not None and getattr(self.access, user.role) == "all"

    @property
    def managers(self) -> tuple[User, ...]:
        """The users with role manager, in configuration order (the round-robin order);
        found once (it was read twice per lead, a scan of the users each time)."""
        managers: tuple[User, ...] = self.__pydantic_private__["_managers"]  # type: ignore[index]
        return managers

    def _user_index(self) -> dict[str, User]:
        # Read past pydantic's __getattr__ for private attributes (1.8 µs a read; a user is
        # looked up several times per notice), as `stage_index` reads its positions.
        users: dict[str, User] = self.__pydantic_private__["_users"]  # type: ignore[index]
        return users

    @property
    def deal_field_display_names(self) -> dict[str, str]:
        """Russian display names of the `missing_fields` names (a copy of FIELD_DISPLAY_NAMES)."""
        return dict(FIELD_DISPLAY_NAMES)
