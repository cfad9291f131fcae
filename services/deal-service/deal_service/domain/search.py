"""How a search box's text is read: a phone, a part of one, an e-mail or words (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from deal_service.domain.contacts import BadPhone, normalise_email, normalise_phone

_PHONE_CHARS = re.compile(r"^[\d\s()+\-.]+$")
MIN_PHONE_DIGITS = 4
"""Digits from which a query of a phone's characters is read as (a part of) a phone: the
last 4 of a number a client gives («67-89»). Fewer are words (a deal's «№12»)."""
WHOLE_PHONE_DIGITS = 10
"""Digits from which a phone is whole (a Russian number without its 7 or 8): compared in
E.164, so `8 912 …` finds `+7 912 …`; fewer are a part of one, looked for inside phones."""


@dataclass(frozen=True)
class Needle:
    """What to look for: `kind` says which key, `value` its normalised form."""

    kind: Literal["phone", "digits", "email", "words"]
    value: str

    @property
    def read_as(self) -> str:
        """How the reply says the query was read (phone, email, words): a part of a phone
        is a phone."""
        return "phone" if self.kind == "digits" else self.kind


def read_query(q: str) -> Needle:
    """A whole phone in any caller-id form (`8 912 …`, `+7 (912) …`, `912…`) as E.164; a
    part of one (`345-67-89`, `6789`, `912 345`) as its digits; text with `@` as a
    lower-cased e-mail; anything else as words, trimmed, ё read as е."""
    text = " ".join(q.split())
    digits = "".join(ch for ch in text if ch.isdigit())
    if _PHONE_CHARS.match(text) and len(digits) >= MIN_PHONE_DIGITS:
        if len(digits) >= WHOLE_PHONE_DIGITS:
            try:
                phone = normalise_phone(text)
            except BadPhone:
                phone = None
            if phone is not None:
                return Needle("phone", phone)
        return Needle("digits", digits)
    if "@" in text:
        return Needle("email", normalise_email(text) or text)
    return Needle("words", fold_yo(text))


def fold_yo(text: str) -> str:
    """ё read as е, as names are indexed: most people type «Петр» for «Пётр»."""
    return text.replace("ё", "е").replace("Ё", "Е")
