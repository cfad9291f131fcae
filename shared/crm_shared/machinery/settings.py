"""Settings every service reads from its environment (SPEC §6), read by pydantic-settings.

A service's settings are an `EnvSettings`: each field's variable is `CRM_` and the field's
name in capitals, unless its `validation_alias` names another; an empty variable counts as
unset. `load()` reads the environment once and turns a value its field cannot take into a
`SettingsError` that names the variable, in Russian for the operator who reads it
(`CRM_LEAD_BATCH_SIZE='many': нужно целое число`), where a bare `int()` said only "invalid
literal for int()".
"""

from __future__ import annotations

from functools import cache
from typing import Any, Self

from pydantic import Field, ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from crm_shared.config.messages import reason

ENV_PREFIX = "CRM_"


class SettingsError(ValueError):
    """A variable of the environment holds a value its setting cannot take (each named)."""


class EnvSettings(BaseSettings):
    """Settings read from `CRM_*` variables, frozen once read."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    @classmethod
    def load(cls, **values: Any) -> Self:
        """The settings from the environment (`values` given here win over it)."""
        try:
            return cls(**values)
        except ValidationError as exc:
            raise SettingsError(describe(cls, exc)) from None

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable a field is read from."""
        info = cls.model_fields.get(field)
        alias = info.validation_alias if info else None
        return alias if isinstance(alias, str) else f"{ENV_PREFIX}{field.upper()}"


def describe(cls: type[EnvSettings], exc: ValidationError) -> str:
    """One line per bad variable: its name, the value it had, and why it cannot be used (in
    Russian; a kind of error without a Russian reason keeps pydantic's)."""
    by_alias = {
        info.validation_alias: name
        for name, info in cls.model_fields.items()
        if isinstance(info.validation_alias, str)
    }
    lines = []
    for error in exc.errors(include_url=False):
        first = str(error["loc"][0]) if error["loc"] else ""
        variable = first if first in by_alias else cls.variable(first)
        why = reason(error["type"], error.get("ctx"), error["msg"])
        if error["type"] == "missing":
            why = "переменная не задана"
        if error["type"] == "value_error":  # a validator's own text
            why = str((error.get("ctx") or {}).get("error") or error["msg"])
        shown = "" if error["type"] == "missing" else f"={error.get('input')!r}"
        lines.append(f"{variable}{shown}: {why}")
    return "; ".join(lines)


class ServiceSettings(EnvSettings):
    """Where the bus, the database and the configuration are, and the metrics port.

    Read CRM_NATS_URL, CRM_DATABASE_URL, CRM_CONFIG, CRM_METRICS_PORT/HOST,
    CRM_INBOX_RETENTION_DAYS (0: keep the inbox for ever), CRM_STOP_TIMEOUT_SECONDS,
    CRM_PARENT_PID, CRM_ACK_WAIT_SECONDS, CRM_DUPLICATE_WINDOW_SECONDS and
    CRM_STREAM_REPLICAS: the only place the shared machinery reads its environment.
    """

    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/crm"
    config_path: str | None = Field(None, validation_alias="CRM_CONFIG")
    metrics_port: int = Field(ge=0, le=65535)
    # 0.0.0.0 in containers, so that Prometheus in another container can scrape.
    metrics_host: str = "127.0.0.1"
    inbox_retention_days: float = 7.0
    # SIGTERM/SIGINT end the process within this many seconds, whatever it was doing.
    stop_timeout: float = Field(5.0, validation_alias="CRM_STOP_TIMEOUT_SECONDS")
    # Set by `make run`'s launcher: stop when that process is gone (a fallback for the
    # parent-death signal, which a thread's exit can also send, and which is Linux-only).
    parent_pid: int | None = None
    # How long a delivered message may stay unacknowledged before JetStream hands it out
    # again (consumer.ACK_WAIT_SECONDS; fault runs shorten it so that a killed consumer's
    # batch comes back in seconds). Applies when a durable consumer is created.
    ack_wait_seconds: float = 30.0
    # The streams' duplicate window (bus.DUPLICATE_WINDOW; fault runs shorten it to show
    # that a republish after it is still applied once) and replicas, for streams created now.
    duplicate_window_seconds: float = 120.0
    stream_replicas: int = 1

    @classmethod
    def from_env(cls, default_metrics_port: int) -> ServiceSettings:
        """The shared settings of a service whose metrics port is `default_metrics_port`
        unless CRM_METRICS_PORT says otherwise."""
        return _with_metrics_port(default_metrics_port).load()


@cache
def _with_metrics_port(port: int) -> type[ServiceSettings]:
    # A subclass whose field has the service's default, so that the environment still wins
    # (a value given to the constructor would win over the environment).
    return create_model(
        "ServiceSettings", __base__=ServiceSettings, metrics_port=(int, Field(port, ge=0, le=65535))
    )
