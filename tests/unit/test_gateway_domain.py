"""The gateway's pure rules: throttling, token buckets, tokens, intake adapters, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_shared.config import load_config
from crm_shared.contracts.deal import DealWentIdle
from crm_shared.contracts.phones import shown_phone
from gateway.domain import intake, tokens
from gateway.domain.errors import http_status, with_display_names
from gateway.domain.idempotency import Outcome, Record, decide, fingerprint
from gateway.domain.people import Principal, Scope, user_principal
from gateway.domain.throttle import retry_after
from gateway.domain.tokens import Integration, Orphaned, TokenBucket
from gateway.domain.visibility import may_see, owners_of

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_sign_ins_wait_once_the_limit_is_reached_in_the_window() -> None:
    fails = [NOW - timedelta(minutes=m) for m in (14, 10, 5, 2)]
    assert retry_after(fails, NOW, WINDOW, limit=5) is None
    wait = retry_after([*fails, NOW], NOW, WINDOW, limit=5)
    assert wait == pytest.approx(60.0)  # the 14-minute-old failure leaves in a minute
    old = [NOW - timedelta(minutes=20)] * 10
    assert retry_after(old, NOW, WINDOW, limit=5) is None


def test_a_token_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.take(0.0) for _ in range(3)] == [None, None, None]
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.5) is None
    assert bucket.take(0.5) == pytest.approx(0.5)


def test_a_token_is_parsed_and_checked_against_its_hash_only() -> None:
    secret = tokens.new_secret()
    text = tokens.compose("abc123", secret)
    assert tokens.parse(text) == ("abc123", secret)
    assert tokens.matches(secret, tokens.digest(secret))
    assert not tokens.matches(secret + "x", tokens.digest(secret))
    assert tokens.parse("Bearer nonsense") is None and tokens.parse("crm__x") is None


def test_tilda_form() -> None:
    pairs = [
        ("Name", "Пётр"), ("Phone", "+79123456789"), ("Email", "p@example.com"),
        ("tranid", "1:2"), ("formid", "form1"), ("Comment", "срочно"),
    ]  # fmt: skip
    data = intake.from_tilda(pairs)
    assert data["external_id"] == "1:2"
    assert data["contact"] == {"name": "Пётр", "phone": "+79123456789", "email": "p@example.com"}
    assert data["comment"] == "Comment: срочно"
    assert intake.is_tilda_test([("test", "test")])
    lead = intake.to_lead(data, source="tilda-site", fallback_id="h")
    assert lead.source == "tilda-site" and lead.external_id == "1:2"


def test_bitrix24_body_form_and_json_are_the_same_lead() -> None:
    form = [
        ("fields[TITLE]", "Заявка"), ("fields[NAME]", "Олег"), ("fields[LAST_NAME]", "Б"),
        ("fields[PHONE][0][VALUE]", "+79120001122"), ("fields[PHONE][0][VALUE_TYPE]", "WORK"),
        ("fields[OPPORTUNITY]", "1500.50"), ("fields[CURRENCY_ID]", "RUB"),
        ("fields[ORIGIN_ID]", "b-1"),
    ]  # fmt: skip
    body = {
        "fields": {
            "TITLE": "Заявка", "NAME": "Олег", "LAST_NAME": "Б", "OPPORTUNITY": "1500.50",
            "CURRENCY_ID": "RUB", "ORIGIN_ID": "b-1",
            "PHONE": [{"VALUE": "+79120001122", "VALUE_TYPE": "WORK"}],
        }
    }  # fmt: skip
    a = intake.from_bitrix24(form)
    assert a == intake.from_bitrix24(intake.bitrix24_pairs_from_json(body))
    lead = intake.to_lead(a, source="b24", fallback_id="h")
    assert lead.contact.name == "Олег Б" and str(lead.amount) == "1500.50"


def test_a_kept_phone_reads_as_people_write_it() -> None:
    assert shown_phone("+79123456789") == "+7 912 345-67-89"
    assert shown_phone("+77011234567") == "+7 701 123 4567"
    assert shown_phone("not a phone") == "not a phone" and shown_phone(None) == ""


def test_a_body_that_is_not_a_lead_names_what_is_wrong() -> None:
    with pytest.raises(intake.IntakeError, match="contact"):
        intake.to_lead({"title": "x"}, source="s", fallback_id="h")
    # What deal-service would refuse after a 2xx (and dead-letter) is refused at the door.
    for contact, reason in (
        ({}, "a name, phone or email is required"),
        ({"name": "   ", "phone": " "}, "a name, phone or email is required"),
        ({"name": "Ян", "phone": "abc"}, "contact.phone 'abc' is not a phone number"),
        ({"phone": "12"}, "contact.phone '12' is not a possible phone number"),
    ):
        with pytest.raises(intake.IntakeError, match=reason):
            intake.to_lead({"contact": contact}, source="s", fallback_id="h")
    lead = intake.to_lead({"contact": {"email": "a@b.ru"}}, source="s", fallback_id="h")
    assert lead.contact.email == "a@b.ru"
    with pytest.raises(intake.IntakeError):
        intake.from_json([1, 2])


def test_idempotency_outcomes() -> None:
    fp = fingerprint("POST", "/api/leads", b"{}")
    assert fp != fingerprint("POST", "/api/leads", b"{ }")
    assert decide(Record(fp, None), fp) is Outcome.in_flight
    assert decide(Record(fp, 202, b"{}"), fp) is Outcome.replay
    assert decide(Record(fp, 202, b"{}"), "other") is Outcome.mismatch


def test_who_sees_which_event() -> None:
    manager = user_principal("mgr-1", "Иван", "manager")
    everyone = user_principal("mgr-2", "Мария", "manager", sees_all=True)  # access: all
    rop = user_principal("rop-1", "Анна", "rop", sees_all=True)
    token = Principal(kind="token", id="t", name="feed", scopes=frozenset({Scope.events_read}))
    assert owners_of({"deal": {"responsible_id": "mgr-1"}}) == ("mgr-1",)
    assert owners_of({"task": {"responsible_id": "mgr-2"}}) == ("mgr-2",)
    assert owners_of({"deal_id": "d", "responsible_id": "mgr-1"}) == ("mgr-1",)
    # crm.deal.idle: the responsible's board and those who see all mark the card
    went_idle = DealWentIdle(
        deal_id="d", stage="NEW_LEAD", responsible_id="mgr-1", idle_since=NOW, last_activity_at=NOW
    )
    assert owners_of(went_idle.model_dump(mode="json")) == ("mgr-1",)
    reassigned = {"deal": {"responsible_id": "mgr-2"}, "previous_responsible_id": "mgr-1"}
    assert owners_of(reassigned) == ("mgr-2", "mgr-1")
    assert may_see(manager, ("mgr-1",)) and not may_see(manager, ("mgr-2",))
    assert may_see(manager, owners_of(reassigned))  # the card leaves their board
    assert not may_see(manager, ())
    assert may_see(rop, ("mgr-2",)) and may_see(everyone, ("mgr-1",)) and may_see(token, ())
    # a person's notifications are theirs alone, whatever the access
    assert not may_see(everyone, ("mgr-1",), private=True)
    assert may_see(manager, ("mgr-1",), private=True)


def test_a_token_acts_as_its_owner_and_one_without_acts_as_no_one() -> None:
    config = load_config()
    made: dict[str, Any] = {
        "name": "x",
        "secret_hash": "h",
        "format": "json",
        "rate_per_second": 1,
        "burst": 1,
    }
    scopes = frozenset({Scope.deals_read, Scope.deals_write, Scope.events_read})
    mine = Integration(id="a", scopes=scopes, owner_id="mgr-1", **made).principal(config)
    assert (mine.actor_id, mine.role, mine.sees_all) == ("mgr-1", "manager", False)
    assert mine.may(Scope.deals_write) and not mine.may(Scope.tasks_read)
    nobody = Integration(id="b", scopes=scopes, **made).principal(config)
    assert nobody.actor_id is None and nobody.ownerless
    assert nobody.may(Scope.events_read) and not nobody.may(Scope.deals_read)
    assert "has no owner" in nobody.refusal(Scope.deals_write)
    gone = Integration(id="c", scopes=scopes, owner_id="ghost", **made)
    with pytest.raises(Orphaned):
        gone.principal(config)


def test_refusals_map_to_statuses_with_russian_field_names() -> None:
    assert [http_status(c) for c in ("invalid", "forbidden", "not_found", "unavailable")] == [
        400, 403, 404, 503,
    ]  # fmt: skip
    assert http_status("rop_approval_required") == 422
    error = {"code": "missing_fields", "message": "m", "missing_fields": ["amount"]}
    shown = with_display_names(error, {"amount": "Сумма"})
    assert shown["fields"] == [{"name": "amount", "display_name": "Сумма"}]


def test_one_idempotency_key_limit_fits_every_commands_request_id() -> None:
    """A change's key goes on as `<key>:<command>`, the contracts' `Id` (100 bytes): the
    longest key the gateway takes (leads and changes alike) fits with every command."""
    from pydantic import TypeAdapter

    from crm_shared.contracts import analytics, base, deal, notify, task
    from crm_shared.contracts.subjects import COMMAND_PREFIX
    from crm_shared.contracts.text import Id
    from gateway.domain.idempotency import MAX_KEY, check_key

    modules = (analytics, deal, notify, task)
    subjects = [
        model.SUBJECT
        for module in modules
        for model in vars(module).values()
        if isinstance(model, type)
        and issubclass(model, base.Command)
        and getattr(model, "SUBJECT", "").startswith(COMMAND_PREFIX)
    ]
    assert len(subjects) >= 8
    key = check_key("k" * MAX_KEY)
    for subject in subjects:
        TypeAdapter(Id).validate_python(f"{key}:{subject.removeprefix(COMMAND_PREFIX)}")
    with pytest.raises(ValueError, match="Idempotency-Key"):
        check_key("k" * (MAX_KEY + 1))
