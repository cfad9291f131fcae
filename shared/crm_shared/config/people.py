"""Users, where their notifications go, who gets new leads, and the notifier's settings."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator

from ._base import EmailAddress, Frozen, Text, TimeZoneName, UserId
from .durations import Duration
from .notifications import DEFAULT_QUIET_KINDS, NOTIFICATION_KINDS, ChannelType

__all__ = [
    "Access",
    "BusChannel",
    "Channel",
    "EmailChannel",
    "FixedAssignment",
    "LeadAssignment",
    "Role",
    "RoundRobinAssignment",
    "SmtpSettings",
    "User",
    "WebhookChannel",
    "WebhookSettings",
    "notify_problems",
]

Role = Literal["manager", "rop"]
Scope = Literal["own", "all"]


class Access(Frozen):
    """Which deals and tasks each role reads and changes, as Bitrix24's access rights do.

    `own`: the deals the user is responsible for and the tasks whose responsible they are;
    `all`: every deal and task. A РОП always sees all (rule 3 has them watch every deal).
    The services check it on every command and query through one rule
    (crm_shared.config.access; task_service.domain.model adds a task's creator), so no
    client, the gateway included, reads or changes more.
    """

    manager: Scope = "own"
    rop: Literal["all"] = "all"


class BusChannel(Frozen):
    """Notifications published on the bus subject `crm.notify.<user_id>`."""

    type: Literal["bus"] = "bus"


class WebhookChannel(Frozen):
    """Notifications POSTed to a URL, signed per Standard Webhooks with `secret`."""

    # The secret must not leak into error messages or tracebacks.
    model_config = ConfigDict(hide_input_in_errors=True)

    type: Literal["webhook"] = "webhook"
    url: str
    secret: SecretStr

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} не адрес http(s)")
        return value

    @field_validator("secret")
    @classmethod
    def _check_secret(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value().strip()
        if not raw.startswith("whsec_"):
            raise ValueError("нужен секрет Standard Webhooks: 'whsec_' и за ним base64")
        try:
            key = base64.b64decode(raw.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("часть после 'whsec_' — не base64") from None
        if not 24 <= len(key) <= 64:
            raise ValueError(
                f"ключ — {len(key)} байт, а Standard Webhooks требует от 24 до 64 "
                '(создать: `python -c "import base64, os; '
                "print('whsec_' + base64.b64encode(os.urandom(32)).decode())\"`)"
            )
        return SecretStr(raw)

    @property
    def key(self) -> bytes:
        """The HMAC key: the decoded base64 part of the secret."""
        return base64.b64decode(self.secret.get_secret_value().removeprefix("whsec_"))


class EmailChannel(Frozen):
    """Notifications sent by e-mail through the `smtp` section's server."""

    type: Literal["email"] = "email"
    address: EmailAddress


Channel = Annotated[BusChannel | WebhookChannel | EmailChannel, Field(discriminator="type")]
"""One notification channel of a user, told apart by its `type` key."""


class User(Frozen):
    """A CRM user: a manager who works deals, or a РОП (head of sales) who oversees them."""

    id: UserId
    name: Text
    role: Role
    channels: tuple[Channel, ...] = (BusChannel(),)
    notify: dict[str, tuple[ChannelType, ...]] = Field(default_factory=dict)
    timezone: TimeZoneName | None = None
    """The user's own zone where it differs from the configuration's `timezone`."""

    def channels_for(self, kind: str) -> tuple[Channel, ...]:
        """The user's channels that take notifications of `kind` (`notify`, else defaults:
        every channel, but only the bus for task_assigned)."""
        wanted = self.notify.get(kind, DEFAULT_QUIET_KINDS.get(kind))
        if wanted is None:
            return self.channels
        return tuple(c for c in self.channels if c.type in wanted)


class FixedAssignment(Frozen):
    """Every new lead goes to one manager."""

    mode: Literal["fixed"] = "fixed"
    user_id: UserId


class RoundRobinAssignment(Frozen):
    """New leads go to the users with role manager in turn."""

    mode: Literal["round_robin"] = "round_robin"


LeadAssignment = Annotated[FixedAssignment | RoundRobinAssignment, Field(discriminator="mode")]
"""Who becomes responsible for a new deal that arrives without a `responsible_id`."""


class WebhookSettings(Frozen):
    """How the notifier delivers to webhook channels."""

    timeout: Duration = timedelta(seconds=10)
    max_attempts: int = Field(default=5, ge=1)


class SmtpSettings(Frozen):
    """The mail server for e-mail channels."""

    model_config = ConfigDict(hide_input_in_errors=True)

    host: Text
    port: int = Field(default=25, ge=1, le=65535)
    sender: EmailAddress
    # None: STARTTLS whenever the server offers it; True: required (a server that does not
    # offer it is an error); False: never (a plain-text session, for a local relay).
    starttls: bool | None = None
    # A CA bundle (PEM) to verify the server's certificate with, besides the system's.
    ca_file: str | None = None
    username: str | None = None
    password: SecretStr | None = None


def notify_problems(i: int, user: User) -> list[str]:
    """A `notify` entry must name a notification kind and channels the user has."""
    problems = []
    have = {channel.type for channel in user.channels}
    for kind, types in user.notify.items():
        if kind not in NOTIFICATION_KINDS:
            problems.append(
                f"users[{i}].notify.{kind}: неизвестный вид уведомлений; известные: "
                + ", ".join(NOTIFICATION_KINDS)
            )
        for t in types:
            if t not in have:
                problems.append(
                    f"users[{i}].notify.{kind}: у пользователя {user.id!r} нет канала {t} "
                    f"(его каналы: {', '.join(sorted(have))})"
                )
    return problems
