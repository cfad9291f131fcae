"""`CloudEvent.encode` writes the very bytes the envelope model would, in one serialisation."""

from decimal import Decimal

from crm_shared.contracts.deal import DealCreated, StageChanged
from crm_shared.contracts.dto import Contact, Deal
from crm_shared.contracts.envelope import CloudEvent, utcnow


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
