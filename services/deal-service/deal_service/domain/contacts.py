"""How contacts are recognised: normalised phone (E.164) or lower-cased e-mail."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "RU"  # the seed's market: "8 912 ..." and "912 ..." are Russian numbers


class BadPhone(ValueError):
    """The text cannot be read as a phone number at all."""


def normalise_phone(phone: str | None) -> str | None:
    """E.164 form (`+79123456789`) or None for an empty value; BadPhone when unreadable."""
    if phone is None or not phone.strip():
        return None
    try:
        parsed = phonenumbers.parse(phone, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise BadPhone(f"phone {phone!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise BadPhone(f"phone {phone!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(email: str | None) -> str | None:
    """Lower-cased, trimmed e-mail, or None."""
    if email is None or not email.strip():
        return None
    return email.strip().lower()
