"""The seed's details that the rules carry: who counts as a client, the «Персональный» plan,
the delivery address, and the «Получили оплату» checklist of the deal's own method."""

from __future__ import annotations

from typing import Any

import pytest

from crm_shared.contracts.refusals import Refused
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from deal_service.domain.rules import field_present
from task_service.domain.model import DealState
from task_service.domain.planning import DealTasks
from tests.configs import config_with
from tests.unit.deal_rules_support import CONFIGS, T0, full, move, new, refusal, walk
from tests.unit.test_task_planning import NOW
from tests.unit.test_task_planning import move as deal_moved

# --- «Клиент»: a contact that names somebody ---------------------------------------------


@pytest.mark.parametrize("plan", ["free", "personal", "basic", "professional"])
def test_an_empty_contact_is_no_client(plan: str) -> None:
    deal = new(plan, **full(contact=Contact("c-1", name="  ", segment="опт")))
    assert not field_present(deal, "contact")
    code, missing = refusal(deal, "PROCESSING", plan)
    assert code == "missing_fields" and missing is not None and "contact" in missing


@pytest.mark.parametrize(
    "details", [{"name": "Ян"}, {"phone": "+79001112233"}, {"email": "yan@example.ru"}]
)
def test_a_name_a_phone_or_an_e_mail_makes_a_client(details: dict[str, str]) -> None:
    deal = new("personal", contact=Contact("c-1", **details))
    assert field_present(deal, "contact")
    move(deal, "PROCESSING", "personal")
    assert deal.stage == "PROCESSING"


def test_an_update_may_not_empty_the_client_of_a_deal_past_new_lead() -> None:
    deal = new("basic", **full())
    move(deal, "PROCESSING")
    with pytest.raises(Refused) as caught:
        deal.update({}, {"name": None, "phone": None}, config=CONFIGS["basic"], now=T0)
    assert caught.value.error.missing_fields == ["contact"]
    assert deal.contact is not None and deal.contact.name == "Ян"


# --- «Персональный» ------------------------------------------------------------------------


def test_the_personal_plan_asks_for_the_client_only_and_has_no_rop_robot() -> None:
    deal = new("personal")
    assert deal.rop_id is None  # the robot is the seed's «Базовый, Стандартный»
    assert refusal(deal, "PROCESSING", "personal") == ("missing_fields", ["contact"])
    deal.contact = Contact("c-1", name="Ян")
    walk(deal, ["PROCESSING", "OFFER_MADE", "ANSWER_RECEIVED"], "personal")  # no Требования


def test_the_personal_plan_gives_the_responsible_the_rop_task() -> None:
    tasks = DealTasks(DealState("d-1"), [])
    tasks.apply(deal_moved(1, "NEW_LEAD", rop_id=None), CONFIGS["personal"], NOW)
    assert sorted(t.stage or "ROP" for t in tasks.open_tasks) == ["NEW_LEAD", "ROP"]


def test_a_configuration_on_the_personal_plan_needs_no_default_rop() -> None:
    config = config_with("personal", lambda d: d.update(default_rop=None))
    assert config.plan == "personal" and not config.rop_robot


# --- Адрес доставки -----------------------------------------------------------------------


def _address_required(data: dict[str, Any]) -> None:
    rules = data["pipeline"]["rules"]["required_fields"]
    rules.append({"after": "PAYMENT_RECEIVED", "fields": ["delivery_address"]})


def test_a_required_delivery_address_holds_a_delivered_deal_only() -> None:
    config = config_with("basic", _address_required)
    CONFIGS["address"] = config
    try:
        delivered = new("address", **full(delivery_method="delivery"))
        walk(delivered, ["PROCESSING", "INVOICE_SENT", "PAYMENT_RECEIVED"], "address")
        assert refusal(delivered, "ORDER_SHIPPED", "address") == (
            "missing_fields",
            ["delivery_address"],
        )
        delivered.delivery_address = "Тверь, ул. Советская, 5"
        move(delivered, "ORDER_SHIPPED", "address")
        with pytest.raises(Refused) as caught:  # nor may an update empty it there
            delivered.update({"delivery_address": None}, {}, config=config, now=T0)
        assert caught.value.error.missing_fields == ["delivery_address"]

        picked = new("address", **full(delivery_method="pickup"))
        walk(picked, ["PROCESSING", "PAYMENT_RECEIVED", "WON"], "address")  # no address asked
    finally:
        del CONFIGS["address"]


def test_the_shipped_configuration_does_not_require_a_delivery_address() -> None:
    deal = new("professional", **full(delivery_method="delivery"))
    walk(deal, ["PROCESSING", "PAYMENT_RECEIVED", "ORDER_SHIPPED", "WON"], "professional")
    assert deal.delivery_address is None


def test_the_delivery_address_travels_with_the_deal() -> None:
    deal = Deal.open(
        CONFIGS["basic"], now=T0, actor_id="mgr-1", contact=None, responsible_id="mgr-1",
        delivery_method="delivery", delivery_address="Казань, ул. Баумана, 1",
    )  # fmt: skip
    assert deal.to_dto().delivery_address == "Казань, ул. Баумана, 1"
    changed = deal.update({"delivery_address": "Казань, ул. Пушкина, 2"}, {},
                          config=CONFIGS["basic"], now=T0)  # fmt: skip
    assert changed == ["delivery_address"]


# --- «Получили оплату»: the checklist of the deal's own method ------------------------------


@pytest.mark.parametrize(
    ("method", "has", "lacks"),
    [
        ("delivery", "транспортная служба", "готов к самовывозу"),
        ("pickup", "готов к самовывозу", "транспортная служба"),
    ],
)
def test_the_payment_task_lists_the_steps_of_the_deals_method(
    method: str, has: str, lacks: str
) -> None:
    tasks = DealTasks(DealState("d-1"), [])
    tasks.apply(deal_moved(5, "PAYMENT_RECEIVED", delivery_method=method), CONFIGS["basic"], NOW)
    [task] = tasks.open_tasks
    assert has in task.description and lacks not in task.description
    assert task.description.startswith("Стадия служит для подготовки заказа")
