"""deal-service's deal commands decided on fakes (no database, no bus): what each refuses,
saves and emits. The same paths on real servers are the e2e tier's (tests/e2e/test_deals*)."""

from __future__ import annotations

import pytest

from crm_shared.contracts.deal import (
    ApprovalGranted,
    ContactInput,
    CreateDeal,
    DealCreated,
    DealFields,
    DealUpdated,
    LogContactAttempt,
    MoveDeal,
    MoveRejected,
    StageChanged,
    UpdateDeal,
)
from crm_shared.contracts.refusals import ErrorCode, Refused
from deal_service.handlers.deals import create_deal, log_contact_attempt, move_deal, update_deal
from tests.unit.deal_fakes import DealWorld


async def _created(world: DealWorld, actor: str = "mgr-1", **fields: object) -> dict:
    reply = await create_deal(CreateDeal(actor_id=actor, **fields), world.ctx)
    return reply["deal"]


async def test_a_manager_creates_a_deal_of_their_own_in_the_entry_stage(world: DealWorld) -> None:
    deal = await _created(
        world, title="Поставка", contact=ContactInput(name="Ян", phone="+79001112233")
    )
    assert (deal["stage"], deal["responsible_id"], deal["version"]) == ("NEW_LEAD", "mgr-1", 1)
    stored = world.store.deals.rows[deal["id"]]
    assert stored.title == "Поставка" and stored.contact.name == "Ян"
    assert list(world.store.contacts.rows) == [stored.contact.id]  # a new contact, saved
    # created, and entered its first stage (task-service opens the stage's task on it)
    assert [type(e) for e in world.bus.events()] == [DealCreated, StageChanged]
    assert world.uows.commits == 1


async def test_a_second_deal_of_the_same_phone_finds_its_contact(world: DealWorld) -> None:
    first = await _created(world, contact=ContactInput(name="Ян", phone="+7 900 111-22-33"))
    second = await _created(world, contact=ContactInput(phone="89001112233"))
    assert second["contact"]["id"] == first["contact"]["id"]
    assert len(world.store.contacts.rows) == 1


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (CreateDeal(actor_id="ghost"), ErrorCode.not_found),
        (CreateDeal(actor_id="mgr-1", contact_id="c-nope"), ErrorCode.not_found),
        (
            CreateDeal(actor_id="mgr-1", contact_id="c-1", contact=ContactInput(name="Ян")),
            ErrorCode.invalid,
        ),
        (CreateDeal(actor_id="mgr-1", responsible_id="mgr-2"), ErrorCode.forbidden),
    ],
)
async def test_a_create_refused_changes_nothing(
    world: DealWorld, command: CreateDeal, code: ErrorCode
) -> None:
    with pytest.raises(Refused) as refused:
        await create_deal(command, world.ctx)
    assert refused.value.error.code is code
    assert world.store.deals.rows == {} and world.bus.published == []


async def test_leads_made_by_the_rop_go_round_the_managers(world: DealWorld) -> None:
    made = [await _created(world, actor="rop-1") for _ in range(3)]
    assert [d["responsible_id"] for d in made] == ["mgr-1", "mgr-2", "mgr-1"]


async def test_an_update_bumps_the_version_and_says_what_changed(world: DealWorld) -> None:
    deal = await _created(world)
    cmd = UpdateDeal(
        actor_id="mgr-1", deal_id=deal["id"], fields=DealFields(title="Новое", requirements="5 шт")
    )
    reply = await update_deal(cmd, world.ctx)
    assert reply["deal"]["version"] == 2 and reply["changed"] == ["title", "requirements"]
    (updated,) = world.bus.events(DealUpdated)
    assert updated.changed == ["title", "requirements"]  # type: ignore[attr-defined]
    assert world.store.deals.rows[deal["id"]].title == "Новое"


async def test_a_shared_contacts_change_is_an_update_of_each_of_its_deals(
    world: DealWorld,
) -> None:
    first = await _created(world, contact=ContactInput(name="Ян", phone="+7 900 111-22-33"))
    second = await _created(world, contact=ContactInput(phone="89001112233"))
    fields = DealFields(contact=ContactInput(name="Ян Петров"))
    await update_deal(UpdateDeal(actor_id="mgr-1", deal_id=first["id"], fields=fields), world.ctx)
    own, other = world.bus.events(DealUpdated)
    assert own.deal.id == first["id"] and own.through_deal_id is None  # type: ignore[attr-defined]
    assert other.deal.id == second["id"] and other.through_deal_id == first["id"]  # type: ignore[attr-defined]
    assert other.changed == ["contact.name"] and other.deal.version == 2  # type: ignore[attr-defined]
    assert world.store.deals.rows[second["id"]].contact.name == "Ян Петров"


async def test_an_update_that_changes_nothing_commits_nothing(world: DealWorld) -> None:
    deal = await _created(world, title="Та же")
    cmd = UpdateDeal(actor_id="mgr-1", deal_id=deal["id"], fields=DealFields(title="Та же"))
    reply = await update_deal(cmd, world.ctx)
    assert reply["changed"] == [] and reply["deal"]["version"] == 1
    assert world.bus.events(DealUpdated) == [] and world.uows.commits == 1  # the create's


@pytest.mark.parametrize(
    ("actor", "expected", "code"),
    [
        ("mgr-2", None, ErrorCode.forbidden),  # a manager works only their own deals
        ("mgr-1", 7, ErrorCode.version_conflict),
        ("ghost", None, ErrorCode.not_found),
    ],
)
async def test_an_update_refused(
    world: DealWorld, actor: str, expected: int | None, code: ErrorCode
) -> None:
    deal = await _created(world)
    cmd = UpdateDeal(
        actor_id=actor, deal_id=deal["id"], fields=DealFields(title="x"), expected_version=expected
    )
    with pytest.raises(Refused) as refused:
        await update_deal(cmd, world.ctx)
    assert refused.value.error.code is code
    assert world.store.deals.rows[deal["id"]].version == 1
    assert world.bus.events(DealUpdated) == []


async def test_a_move_without_the_required_fields_is_refused_and_published(
    world: DealWorld,
) -> None:
    deal = await _created(world)
    with pytest.raises(Refused) as refused:
        await move_deal(
            MoveDeal(actor_id="mgr-1", deal_id=deal["id"], to_stage="OFFER_MADE"), world.ctx
        )
    error = refused.value.error
    assert error.code is ErrorCode.missing_fields
    assert "contact" in (error.missing_fields or [])
    (rejected,) = world.bus.events(MoveRejected)  # the notifier tells the responsible
    assert rejected.error.code == "missing_fields"  # type: ignore[attr-defined]
    assert world.store.deals.rows[deal["id"]].stage == "NEW_LEAD"
    assert len(world.bus.events(StageChanged)) == 1  # the create's


async def test_a_move_with_its_fields_is_made_once(world: DealWorld) -> None:
    deal = await _created(world, contact=ContactInput(name="Ян", phone="+79001112233"))
    await update_deal(
        UpdateDeal(actor_id="mgr-1", deal_id=deal["id"], fields=DealFields(requirements="5 шт")),
        world.ctx,
    )
    reply = await move_deal(
        MoveDeal(actor_id="mgr-1", deal_id=deal["id"], to_stage="PROCESSING"), world.ctx
    )
    assert (reply["deal"]["stage"], reply["deal"]["version"]) == ("PROCESSING", 3)
    _, moved = world.bus.events(StageChanged)
    assert (moved.from_stage, moved.to_stage) == ("NEW_LEAD", "PROCESSING")  # type: ignore[attr-defined]
    assert world.store.deals.rows[deal["id"]].stage == "PROCESSING"


@pytest.mark.parametrize(
    ("mover", "to_stage", "granted"),
    [
        ("rop-1", "LOST_NO_CONTACT", True),  # the РОП's agreement (rule 6)
        ("mgr-1", "PROCESSING", False),  # the manager reached the client after all
    ],
)
async def test_a_move_ends_a_waiting_request_and_the_rops_grants_it(
    world: DealWorld, mover: str, to_stage: str, granted: bool
) -> None:
    deal = await _created(world, contact=ContactInput(name="Ян", phone="+79001112233"))
    for _ in range(3):
        await log_contact_attempt(
            LogContactAttempt(actor_id="mgr-1", deal_id=deal["id"]), world.ctx
        )
    asked = MoveDeal(actor_id="mgr-1", deal_id=deal["id"], to_stage="LOST_NO_CONTACT")
    with pytest.raises(Refused) as refused:
        await move_deal(asked, world.ctx)
    assert refused.value.error.code is ErrorCode.rop_approval_required
    assert world.store.requests.read(deal["id"])["asked_by"] == "mgr-1"

    moved = MoveDeal(actor_id=mover, deal_id=deal["id"], to_stage=to_stage)
    if to_stage == "PROCESSING":
        moved = moved.model_copy(update={"fields": DealFields(requirements="5 шт")})
    await move_deal(moved, world.ctx)
    assert world.store.requests.read(deal["id"]) is None
    told = world.bus.events(ApprovalGranted)
    assert [(e.asked_by, e.actor_id, e.to_stage) for e in told] == (  # type: ignore[attr-defined]
        [("mgr-1", "rop-1", "LOST_NO_CONTACT")] if granted else []
    )


async def test_a_move_of_another_managers_deal_is_forbidden(world: DealWorld) -> None:
    deal = await _created(world)
    with pytest.raises(Refused) as refused:
        await move_deal(
            MoveDeal(actor_id="mgr-2", deal_id=deal["id"], to_stage="PROCESSING"), world.ctx
        )
    assert refused.value.error.code is ErrorCode.forbidden
    assert world.bus.events(MoveRejected) == []  # not a refusal of the rules: nothing to tell


async def test_a_lost_deal_needs_its_reason(world: DealWorld) -> None:
    deal = await _created(world)
    cmd = MoveDeal(actor_id="mgr-1", deal_id=deal["id"], to_stage="LOST_OTHER")
    with pytest.raises(Refused) as refused:
        await move_deal(cmd, world.ctx)
    assert refused.value.error.code is ErrorCode.missing_fields
    given = cmd.model_copy(update={"failure_comment": "закрылись"})
    assert (await move_deal(given, world.ctx))["deal"]["stage"] == "LOST_OTHER"
