"""Helpers of the task-service tests: reading tasks, configurations, hand-made deal events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import yaml

from crm_shared.config import CrmConfig, config_from_data
from crm_shared.contracts.deal import DealUpdated, StageChanged
from crm_shared.contracts.envelope import CloudEvent
from tests.support import Client, eventually

CONSUMER = "task-service-deals"

# SPEC §1, written out here rather than read from the configuration so that the shipped
# configuration is checked against the spec too.
TITLES = {
    "NEW_LEAD": "Взять в работу новый лид и принять решение о дальнейшем сотрудничестве",
    "PROCESSING": "{name}. Уточнить необходимую информацию и сделать КП",
    "OFFER_MADE": "{name}. Получить ответ на КП",
    "ANSWER_RECEIVED": "{name}. Отправить счет на оплату",
    "INVOICE_SENT": "{name}. Получить оплату по счету",
    "PAYMENT_RECEIVED": "{name}. Собрать заказ и отправить/выдать клиенту",
    "ORDER_SHIPPED": "{name}. Убедиться, что клиент получил заказ",
}
DEADLINES = {
    "NEW_LEAD": timedelta(hours=1),
    "PROCESSING": timedelta(days=1),
    "OFFER_MADE": timedelta(days=2),
    "ANSWER_RECEIVED": timedelta(days=1),
    "INVOICE_SENT": timedelta(days=3),
    "PAYMENT_RECEIVED": timedelta(days=2),
    "ORDER_SHIPPED": timedelta(days=7),
}
ROP_TASK_TITLE = "Укажите руководителя отдела продаж"


def ts(value: str) -> datetime:
    """An RFC 3339 time from a payload."""
    return datetime.fromisoformat(value)


def config_variant(plan: str = "standard", extra_rop: bool = False) -> CrmConfig:
    """The shipped configuration on `plan`; `extra_rop` adds a second РОП, "rop-2"."""
    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    data["plan"] = plan
    if extra_rop:
        data["users"].append({"id": "rop-2", "name": "Олег Кузнецов", "role": "rop"})
    return config_from_data(data, source=f"test config ({plan})")


async def tasks(client: Client, **filters: Any) -> list[dict[str, Any]]:
    """crm.query.task.list, one page of up to 500."""
    reply = await client.request(
        "crm.query.task.list", {"actor_id": "rop-1", "limit": 500, **filters}
    )
    assert reply["ok"], reply
    items: list[dict[str, Any]] = reply["items"]
    return items


async def drained(client: Client) -> bool:
    """Whether task-service has handled everything in the stream so far."""
    info = await client.js.consumer_info("CRM_EVENTS", CONSUMER)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def new_lead_deal(client: Client, name: str = "Пётр") -> dict[str, Any]:
    """Publish a lead and return its deal once deal-service has made it."""
    ext = await client.publish_lead(contact={"name": name})
    deal: dict[str, Any] = await eventually(lambda: client.deal_by_external(ext))
    return deal


def deal_snapshot(
    deal_id: str, version: int, stage: str, at: datetime, **fields: Any
) -> dict[str, Any]:
    """A deal as deal-service publishes it (SPEC §5), for hand-made events."""
    created = fields.pop("created_at", at)
    return {
        "id": deal_id,
        "version": version,
        "stage": stage,
        "contact": {"id": "c-" + deal_id, "name": "Пётр"},
        "responsible_id": "mgr-1",
        "rop_id": "rop-1",
        "created_at": created.isoformat(),
        "updated_at": at.isoformat(),
        **fields,
    }


def stage_changed(
    deal: dict[str, Any], from_stage: str | None, event_id: str | None = None
) -> tuple[str, str, bytes]:
    """(subject, event id, CloudEvents body) of a StageChanged for `deal`."""
    data = StageChanged.model_validate(
        {
            "deal_id": deal["id"],
            "from_stage": from_stage,
            "to_stage": deal["stage"],
            "version": deal["version"],
            "actor_id": "mgr-1",
            "deal": deal,
        }
    )
    return _event(
        StageChanged.SUBJECT, StageChanged.TYPE, deal["id"], data.model_dump(mode="json"), event_id
    )


def deal_updated(
    deal: dict[str, Any], changed: list[str], event_id: str | None = None
) -> tuple[str, str, bytes]:
    """(subject, event id, CloudEvents body) of a DealUpdated for `deal`."""
    data = DealUpdated.model_validate({"deal": deal, "changed": changed})
    return _event(
        DealUpdated.SUBJECT, DealUpdated.TYPE, deal["id"], data.model_dump(mode="json"), event_id
    )


def _event(
    subject: str, type_: str, deal_id: str, data: dict[str, Any], event_id: str | None
) -> tuple[str, str, bytes]:
    event = CloudEvent(
        id=event_id or str(uuid.uuid4()),
        source="test/deal-service",
        type=type_,
        subject=deal_id,
        data=data,
    )
    return subject, event.id, event.to_bytes()


async def publish(client: Client, subject: str, event_id: str, body: bytes) -> None:
    """Publish one event to JetStream with its id as `Nats-Msg-Id` (as the outbox relay does)."""
    await client.js.publish(subject, body, headers={"Nats-Msg-Id": event_id})


def hours_ago(hours: float) -> datetime:
    """A time in the past, in UTC."""
    return datetime.now(UTC) - timedelta(hours=hours)
