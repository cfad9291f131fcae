"""No accepted command can produce an event larger than a consumer accepts (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from crm_shared.contracts.base import MAX_BODY_BYTES
from crm_shared.contracts.deal import CreateDeal, DealFields, MoveDeal, StageChanged
from crm_shared.contracts.dto import Contact, Deal
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.contracts.text import Code, Id, LongText, json_size


def _largest(limit: int, char: str) -> str:
    """The longest string of `char` that a field of `limit` bytes accepts."""
    return char * (limit // json_size(char))


@pytest.mark.parametrize("char", ["я", "😀", "\x01", '"', "a"])
def test_the_largest_deal_makes_a_stage_changed_under_the_consumers_limit(char: str) -> None:
    big: dict[str, Any] = {}
    for name in ("title", "company", "subject", "requirements", "failure_comment", "source"):
        model = DealFields if name in DealFields.model_fields else CreateDeal
        annotation = model.model_fields[name].annotation
        assert annotation is not None
        adapter = TypeAdapter(annotation)
        size = 1
        while True:  # grow to the largest the schema accepts
            try:
                adapter.validate_python(_largest(size * 2, char))
            except ValidationError:
                break
            size *= 2
        lo, hi = size, size * 2
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            try:
                adapter.validate_python(_largest(mid, char))
                lo = mid
            except ValidationError:
                hi = mid
        big[name] = _largest(lo, char)
    ident = _largest(100, "a")
    stage = _largest(64, "a")
    now = datetime.now(UTC)
    deal = Deal(
        id=ident,
        version=10**9,
        stage=stage,
        amount=Decimal("99999999999999.99"),
        contact=Contact(
            id=ident,
            name=_largest(200, char),
            phone=_largest(50, char),
            email="a" * 64 + "@" + "b" * 180 + ".ru",
            segment=_largest(200, char),
        ),
        responsible_id=ident,
        rop_id=ident,
        external_id=_largest(200, char),
        created_at=now,
        updated_at=now,
        **big,
    )
    event = StageChanged(
        deal_id=ident, from_stage=stage, to_stage=stage, version=1, actor_id=ident, deal=deal
    )
    _, body = CloudEvent.encode(
        source="crm/deal-service", type=event.TYPE, subject=ident, data=event
    )
    assert len(body) < MAX_BODY_BYTES // 2, len(body)


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (Id, "a\x00"),
        (Id, "\ud800"),
        (Id, ""),
        (Id, "a" * 101),
        (Code, "я" * 33),
        (LongText, "😀" * 2501),
    ],
)
def test_strings_refuse_nul_lone_surrogates_and_too_many_bytes(annotation: Any, value: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(annotation).validate_python(value)


def test_ids_and_stage_codes_have_a_maximum_length() -> None:
    with pytest.raises(ValidationError, match="to_stage"):
        MoveDeal.model_validate({"actor_id": "a", "deal_id": "d", "to_stage": "S" * 65})
