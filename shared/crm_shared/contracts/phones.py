"""A contact's phone and e-mail as the CRM keeps them, and what makes a lead's contact.

One place for deal-service, which keeps contacts by these keys, and the gateway, which
refuses a lead at its door (400) rather than accept it and see deal-service dead-letter it.
"""

from __future__ import annotations

import re

import phonenumbers

from crm_shared.contracts.text import filled

DEFAULT_REGION = "RU"  # the seed's market: "8 912 ..." and "912 ..." are Russian numbers
NO_CONTACT = "contact: a name, phone or email is required"


class BadPhone(ValueError):
    """The text cannot be read as a phone number at all."""


# "+7" and ten digits, spaces, hyphens, dots and brackets between them: how forms and the
# seed's sources send a Russian number, read without the library (1.3 against 15 µs: every
# lead's phone is read at the gateway's door and again in deal-service, issue 25). What
# phonenumbers makes of such a text is "+7" and the ten digits, always: a national number of
# ten digits is a possible one, and one shorter by a stripped prefix is not
# (tests/unit/test_phones.py holds the two readings to each other). Anything else is read
# by the library.
_PLUS_SEVEN = re.compile(r"\+7((?:[ \-().]*[0-9]){10})[ \-().]*")
_NOT_DIGIT = re.compile(r"\D")


def normalise_phone(phone: str | None) -> str | None:
    """E.164 form (`+79123456789`) or None for an empty value; BadPhone when unreadable."""
    if phone is None or not phone.strip():
        return None
    seven = _PLUS_SEVEN.fullmatch(phone.strip())
    if seven is not None:
        return "+7" + _NOT_DIGIT.sub("", seven.group(1))
    return read_phone(phone)


def read_phone(phone: str) -> str:
    """`normalise_phone` by the library alone (phonenumbers): any country, any notation."""
    try:
        parsed = phonenumbers.parse(phone, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise BadPhone(f"phone {phone!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise BadPhone(f"phone {phone!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def shown_phone(phone: str | None) -> str:
    """A kept phone as people read it: «+7 999 123-45-67» (as typed, when it reads as none)."""
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def client_label(name: str | None, phone: str | None, email: str | None) -> str | None:
    """How people know a client: the name, else the phone as read («+7 912 345-67-89»), else
    the e-mail; None when none is filled. A lead needs only one of them, and a call back
    needs whichever there is (a task or notice of a phone-only lead names the phone)."""
    if filled(name):
        return name
    if filled(phone):
        return shown_phone(phone)
    return email if filled(email) else None


def normalise_email(email: str | None) -> str | None:
    """Lower-cased, trimmed e-mail, or None."""
    if email is None or not email.strip():
        return None
    return email.strip().lower()


def contact_problem(name: str | None, phone: str | None, email: str | None) -> str | None:
    """Why these details cannot make a lead's contact (`field: reason`), or None: a lead
    needs a name, phone or e-mail that is more than spaces, and a phone that reads as one."""
    if not (filled(name) or filled(phone) or filled(email)):
        return NO_CONTACT
    try:
        normalise_phone(phone)
    except BadPhone as exc:
        return f"contact.{exc}"
    return None
