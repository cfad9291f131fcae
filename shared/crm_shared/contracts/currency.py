"""A deal's currency: a code of ISO 4217 that exists, not just any three capital letters.

Babel's list (the one that also formats our sums in ru-RU) is the register: «XYZ» was taken as
a currency, made a deal in it and showed «5 XYZ» in a column's total.
"""

from __future__ import annotations

from typing import Annotated

from babel.numbers import list_currencies
from pydantic import AfterValidator, StringConstraints

ISO_4217 = frozenset(list_currencies())


def check_currency(code: str) -> str:
    """The code unchanged if ISO 4217 has it; else ValueError (English, for programs: people
    read the catalogue's sentence for the field)."""
    if code not in ISO_4217:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(check_currency)
]
"""Three capital letters that ISO 4217 names (RUB, USD, KZT, …)."""
