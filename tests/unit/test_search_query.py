"""How the search box's text is read (issue 22): a phone in any caller-id form as E.164."""

from __future__ import annotations

import pytest

from deal_service.domain.search import read_query


@pytest.mark.parametrize(
    "q", ["8 912 345 67 89", "+7 (912) 345-67-89", "9123456789", "+79123456789", " 8-912-3456789 "]
)
def test_a_phone_in_any_caller_id_form_is_e164(q: str) -> None:
    assert (read_query(q).kind, read_query(q).value) == ("phone", "+79123456789")


def test_an_email_is_lower_cased_and_words_are_trimmed() -> None:
    assert read_query(" Petr@X.RU ").value == "petr@x.ru"
    assert read_query("  ООО   Ромашка ") == read_query("ООО Ромашка")
    assert read_query("ООО Ромашка").kind == "words"
    assert read_query("2024").kind == "words"  # too short for a phone: a title's year
