"""What every part of the configuration shares: the frozen base model and checked string types.

Every model is frozen (a loaded configuration is shared by the whole service and must not
change under it) and forbids unknown keys (a misspelt key is an error, not a silent default).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

from crm_shared.contracts.currency import CurrencyCode
from crm_shared.contracts.periods import is_zone
from crm_shared.contracts.text import ID_BYTES

__all__ = ["Currency", "EmailAddress", "Frozen", "StageCode", "Text", "TimeZoneName", "UserId"]


class Frozen(BaseModel):
    """Base of every configuration model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# User ids end up in NATS subjects (crm.notify.<user_id>), where '.', '*', '>' and spaces
# would change the subject's meaning; YAML also reads `id: 7` as a number.
_ID = re.compile(r"[A-Za-z0-9_-]+")
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _number_to_str(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _check_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(
            f"{value!r} не годится как id пользователя: он входит в тему шины "
            "crm.notify.<id>, поэтому только латинские буквы, цифры, '-' и '_'"
        )
    if len(value) > ID_BYTES:  # every command carries it as `actor_id`, an `Id`
        raise ValueError(f"id пользователя — не длиннее {ID_BYTES} символов, а здесь {len(value)}")
    return value


def _check_code(value: str) -> str:
    if not _CODE.fullmatch(value):
        raise ValueError(
            f"{value!r} не код этапа: заглавные латинские буквы, цифры и _, например ORDER_SHIPPED"
        )
    return value


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} не похоже на e-mail")
    return value


def _check_zone(value: str) -> str:
    if is_zone(value):
        return value
    raise ValueError(f"{value!r} не часовой пояс IANA, например Europe/Moscow, Asia/Yekaterinburg")


UserId = Annotated[str, BeforeValidator(_number_to_str), AfterValidator(_check_id)]
StageCode = Annotated[str, AfterValidator(_check_code)]
EmailAddress = Annotated[str, AfterValidator(_check_email)]
Text = Annotated[str, StringConstraints(min_length=1)]
TimeZoneName = Annotated[str, AfterValidator(_check_zone)]
"""An IANA time zone name: how times are shown to people and where their days begin."""

Currency = CurrencyCode
"""An ISO 4217 code (RUB, KZT, USD)."""
