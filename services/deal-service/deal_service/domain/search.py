"""How a search box's text is read: a phone, an e-mail or words (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from deal_service.domain.contacts import BadPhone, normalise_email, normalise_phone

_PHONE_CHARS = re.compile(r"^[\d\s()+\-.]+$")
MIN_PHONE_DIGITS = 7
"""Fewer digits than a local number are not read as a phone (a deal title like «2024»)."""
MIN_WORDS = 2
"""Characters below which trigram similarity finds nothing useful: then a prefix match."""


@dataclass(frozen=True)
class Needle:
    """What to look for: `kind` says which key, `value` its normalised form."""

    kind: Literal["phone", "email", "words"]
    value: str


def read_query(q: str) -> Needle:
    """A phone in any caller-id form (`8 912 …`, `+7 (912) …`, `912…`) as E.164; text with
    `@` as a lower-cased e-mail; anything else as words, trimmed, ё read as е."""
    text = " ".join(q.split())
    digits = sum(ch.isdigit() for ch in text)
    if _PHONE_CHARS.match(text) and digits >= MIN_PHONE_DIGITS:
        try:
            phone = normalise_phone(text)
        except BadPhone:
            phone = None
        if phone is not None:
            return Needle("phone", phone)
    if "@" in text:
        return Needle("email", normalise_email(text) or text)
    return Needle("words", fold_yo(text))


def fold_yo(text: str) -> str:
    """ё read as е, as names are indexed: most people type «Петр» for «Пётр»."""
    return text.replace("ё", "е").replace("Ё", "Е")
