"""A Russian number read without the library (`normalise_phone`'s quick way for "+7" and ten
digits) reads as the library reads it (`read_phone`, phonenumbers), whatever its spacing;
and any other text is still the library's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_shared.contracts.phones import BadPhone, normalise_phone, read_phone

SEPARATORS = st.text(alphabet=" -().\t\u00a0/", max_size=3)


def _read(text: str) -> str | None:
    try:
        return read_phone(text)
    except BadPhone:
        return None


def _normalised(text: str) -> str | None:
    try:
        return normalise_phone(text)
    except BadPhone:
        return None


@st.composite
def plus_seven(draw: st.DrawFn) -> str:
    """«+7», then ten digits (or nine, or eleven), separators anywhere between them."""
    count = draw(st.sampled_from([9, 10, 10, 10, 11]))
    digits = draw(st.lists(st.sampled_from("0123456789"), min_size=count, max_size=count))
    parts = [draw(SEPARATORS) + d for d in digits]
    head = draw(st.sampled_from(["+7", "+7", " +7", "+ 7", "+7-"]))
    return head + "".join(parts) + draw(SEPARATORS)


@given(plus_seven())
def test_a_plus_seven_number_reads_as_the_library_reads_it(text: str) -> None:
    assert _normalised(text) == _read(text)


@given(st.text(alphabet="+78 0123456789-()", max_size=20))
def test_any_text_of_digits_and_signs_reads_as_the_library_reads_it(text: str) -> None:
    if text.strip():
        assert _normalised(text) == _read(text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("+7 912 345-67-89", "+79123456789"),
        ("+7 (912) 345-67-89", "+79123456789"),
        ("+79123456789", "+79123456789"),
        ("8 912 345-67-89", "+79123456789"),  # the library's way: a national prefix
        ("+7 0001234567", "+70001234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_as_people_write_them(text: str, kept: str) -> None:
    assert normalise_phone(text) == kept


def test_empty_and_unreadable() -> None:
    assert normalise_phone("  ") is None
    assert normalise_phone(None) is None
    with pytest.raises(BadPhone):
        normalise_phone("+7 912 345")
