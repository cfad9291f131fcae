"""`Plain` (checked by pydantic-core's pattern) accepts and refuses what `check_storable` (the
Python validator it replaced on the events' hot path) does, from Python and from JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from crm_shared.contracts.text import Plain, check_storable


class Holder(BaseModel):
    text: Plain
    many: list[Plain] = []


def _storable(value: str) -> bool:
    try:
        check_storable(value)
    except ValueError:
        return False
    return True


ANY_CHARACTER = st.one_of(
    st.characters(exclude_categories=()), st.sampled_from(["\x00", "\ud800", "\udfff"])
)


@given(st.text(alphabet=ANY_CHARACTER, max_size=40))
def test_plain_refuses_what_check_storable_refuses(value: str) -> None:
    try:
        Holder(text=value, many=[value])
    except ValidationError as exc:
        assert not _storable(value)
        assert {e["type"] for e in exc.errors()} <= {"string_pattern_mismatch", "string_unicode"}
    else:
        assert _storable(value)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'{"text": "a\\u0000b"}', "string_pattern_mismatch"),
        (b'{"text": "a\\ud800b"}', "json_invalid"),
        (b'{"text": "ok", "many": ["x", "\\u0000"]}', "string_pattern_mismatch"),
    ],
)
def test_a_json_body_with_a_nul_or_a_lone_surrogate_is_refused(body: bytes, kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Holder.model_validate_json(body)
    assert caught.value.errors()[0]["type"] == kind


def test_long_cyrillic_and_control_characters_but_nul_are_kept() -> None:
    text = "Позвоните клиенту\tи уточните\nпотребность. " * 50
    assert Holder.model_validate_json(json.dumps({"text": text})).text == text


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("a\x00b", "string_pattern_mismatch"),
        ("a\ud800b", "string_unicode"),
        ("\udfff", "string_unicode"),
    ],
)
def test_a_nul_or_a_lone_surrogate_from_python_is_refused(value: str, kind: str) -> None:
    assert not _storable(value)
    with pytest.raises(ValidationError) as caught:
        Holder(text=value)
    assert caught.value.errors()[0]["type"] == kind
