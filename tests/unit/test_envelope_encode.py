"""`CloudEvent.encode` writes the very bytes the envelope model would, in one serialisation."""

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from crm_shared.contracts.deal import DealCreated, StageChanged
from crm_shared.contracts.dto import Contact, Deal
from crm_shared.contracts.envelope import CloudEvent, new_id, utcnow
from crm_shared.contracts.text import utc_text


def test_encode_matches_the_model_round_trip() -> None:
    contact = Contact(id="c1", name="Пётр", phone="+79001234567")
    deal = Deal.model_validate(
        {
            "id": "d1",
            "stage": "NEW_LEAD",
            "created_at": utcnow(),
            "updated_at": utcnow(),
            "version": 1,
            "title": "Лид «сайт»",
            "amount": Decimal("1500.50"),
            "contact": contact,
        }
    )
    moved = StageChanged(
        deal_id="d1", from_stage=None, to_stage="NEW_LEAD", version=1, actor_id=None, deal=deal
    )
    for data, subject in ((DealCreated(deal=deal), "d1"), (moved, None)):
        event_id, body = CloudEvent.encode(
            source="crm/test", type=data.TYPE, subject=subject, data=data
        )
        parsed = CloudEvent.from_bytes(body)
        assert parsed.id == event_id
        expected = CloudEvent(
            id=event_id,
            time=parsed.time,
            source="crm/test",
            type=data.TYPE,
            subject=subject,
            data=data.model_dump(mode="json"),
        ).to_bytes()
        assert body == expected


def test_encode_writes_the_envelope_as_the_model_would() -> None:
    """The envelope's fields are written by hand: awkward text and times as pydantic does."""
    contact = Contact(id="c1", name="Пётр", phone="+79001234567")
    data = DealCreated(
        deal=Deal.model_validate(
            {"id": "d1", "stage": "NEW_LEAD", "created_at": utcnow(), "updated_at": utcnow(),
             "version": 1, "title": "t", "contact": contact}
        )
    )  # fmt: skip
    awkward = ['a"b\\c', "строка «ёлка»", "tab\tnl\nctl\x01\x1f\x7f", "\u2028/</script>", ""]
    for text in awkward:
        event_id, body = CloudEvent.encode(source=text, type=text, subject=text, data=data)
        parsed = CloudEvent.from_bytes(body)
        expected = CloudEvent(
            id=event_id, time=parsed.time, source=text, type=text, subject=text,
            data=data.model_dump(mode="json"),
        ).to_bytes()  # fmt: skip
        assert body == expected
    whole_second = utcnow().replace(microsecond=0)
    assert (
        utc_text(whole_second)
        == CloudEvent(source="s", type="t", time=whole_second, data={}).model_dump_json(
            include={"time"}
        )[9:-2]
    )
    assert utc_text(whole_second.replace(microsecond=120)).endswith(".000120Z")
    # another zone's clock is the same instant in UTC, in the same spelling
    moscow = timezone(timedelta(hours=3))
    at = datetime(2026, 12, 7, 12, 0, tzinfo=moscow)
    assert utc_text(at) == "2026-12-07T09:00:00Z"


def test_new_id_is_uuid4_text() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)


def test_the_gateways_lead_event_is_the_envelope_with_the_data_as_pydantic_writes_it() -> None:
    """The gateway builds the lead's envelope by hand too, its data as the serialiser's
    bytes: the body reads back as the lead, and its data is byte for byte pydantic's JSON."""
    from crm_shared.contracts.deal import LeadReceived
    from crm_shared.contracts.envelope import json_bytes
    from gateway.adapters.bus import lead_event

    lead = LeadReceived.model_validate(
        {"source": "сайт", "external_id": 'e"1\\', "contact": {"name": "Пётр «П»",
         "phone": "+79001234567"}, "amount": "1500.50", "comment": "строка\n\u2028ёлка"}
    )  # fmt: skip
    body = lead_event(lead, "msg-1", "api")
    parsed = CloudEvent.from_bytes(body)
    assert parsed.type == LeadReceived.TYPE
    assert LeadReceived.model_validate(parsed.data) == lead
    assert body.endswith(b',"data":' + lead.model_dump_json().encode() + b"}")
    assert json_bytes(lead) == lead.model_dump_json().encode()
