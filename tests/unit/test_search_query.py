"""How the search box's text is read (issue 22): a phone in any caller-id form as E.164, a
part of one as its digits."""

from __future__ import annotations

import pytest

from deal_service.domain.search import Needle, read_query


@pytest.mark.parametrize(
    "q", ["8 912 345 67 89", "+7 (912) 345-67-89", "9123456789", "+79123456789", " 8-912-3456789 "]
)
def test_a_phone_in_any_caller_id_form_is_e164(q: str) -> None:
    assert (read_query(q).kind, read_query(q).value) == ("phone", "+79123456789")


def test_an_email_is_lower_cased_and_words_are_trimmed() -> None:
    assert read_query(" Petr@X.RU ").value == "petr@x.ru"
    assert read_query("  ООО   Ромашка ") == read_query("ООО Ромашка")
    assert read_query("ООО Ромашка").kind == "words"


@pytest.mark.parametrize(
    ("q", "digits"),
    [("6789", "6789"), ("67-89", "6789"), ("345-67-89", "3456789"), ("3456789", "3456789"),
     ("912 345", "912345"), ("(912) 345", "912345"), ("+7 912", "7912"), ("45.67", "4567")],
)  # fmt: skip
def test_a_part_of_a_phone_is_its_digits(q: str, digits: str) -> None:
    """The last digits a client gives, or a run in the middle, are looked for inside phones
    (they used to be read as a whole local number, «345-67-89» as +73456789, or as words)."""
    assert read_query(q) == Needle("digits", digits)
    assert read_query(q).read_as == "phone"


@pytest.mark.parametrize("q", ["789", "7-89", "12", "№ 6789", "ул. Ленина 6789"])
def test_three_digits_or_other_text_are_words(q: str) -> None:
    assert read_query(q).kind == "words"
