"""What every board route needs: who is looking, the templates, the form as deal fields."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from pydantic import ValidationError

from crm_shared.contracts.deal import CONTACT_FIELD_NAMES, DEAL_FIELD_NAMES, DealFields
from crm_shared.contracts.phones import BadPhone, normalise_phone
from crm_shared.locale import form_problems
from gateway.domain import days
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import caller, context
from gateway.entrypoints.web.render import Pages
from gateway.handlers.errors import Refusal

DEAL_KEYS = DEAL_FIELD_NAMES
CONTACT_KEYS = CONTACT_FIELD_NAMES


def local_path(url: str | None) -> str | None:
    """`url` when it is a path of this site (with its query), else None: the `next` of a
    sign-in goes only to a local page, never to `//host`, `/\\host` or another scheme,
    which a browser would follow off the site."""
    if not url or any(ord(ch) < 32 or ch == "\\" for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(("//", "/signin", "/signout", "/board/live", "/api/", "/static/")):
        return None  # off the site, or no page to come back to
    return parts.path + (f"?{parts.query}" if parts.query else "")


def signin_url(next_page: str | None) -> str:
    """The sign-in page, with the page to return to after it when that is a local one."""
    page = local_path(next_page)
    return "/signin" if page in (None, "/", "/board") else f"/signin?{urlencode({'next': page})}"


class SignInFirst(Exception):
    """A page was asked for without a session: the answer is the sign-in page."""


def pages(request: Request) -> Pages:
    """The board's templates (built once with the app)."""
    built: Pages = request.app.state.pages
    return built


async def person(request: Request) -> Principal:
    """The signed-in person (a page without a session sends them to sign in)."""
    try:
        principal = await caller(request)
    except Refusal as refusal:
        if refusal.status == 401:
            raise SignInFirst from None
        raise
    if principal.kind != "user":
        raise Refusal(
            403, "forbidden", "the board is for people, not tokens", params={"reason": "board"}
        )
    request.state.person = principal  # a refusal's page then keeps the menu and the search
    return principal


def ctx_of(request: Request) -> Any:
    """The gateway's context."""
    return context(request)


def _value(raw: Any) -> str | None:
    text = str(raw).strip() if raw is not None else ""
    return text or None


def _amount(raw: str | None) -> str | None:
    return raw.replace(" ", "").replace("\u00a0", "").replace(",", ".") if raw else raw


def _phone(text: str | None) -> str | None:
    """A phone as kept (E.164) when it reads as one, else as typed (deal-service refuses it)."""
    try:
        return normalise_phone(text)
    except BadPhone:
        return text


def _same(key: str, value: str | None, was: str | None) -> bool:
    """Whether an input holds what the card showed in it (its `was.` twin): a phone is the
    same number in any notation (shown «+7 912 345-67-89», kept +79123456789, typed again
    as «8 912 345 67 89»), so one the person left alone is never sent as a change."""
    if key == "contact.phone":
        return _phone(value) == _phone(was)
    return value == was


def typed(form: Any) -> dict[str, str]:
    """What the person changed on the card (an input whose `was.` twin differs), as typed:
    a refused save shows it again over the stored deal, never loses it; the `was.` twins keep
    the stored values, so the next «Сохранить» sends it as a change again."""
    return {
        key: str(form.get(key))
        for key in form
        if not key.startswith("was.") and f"was.{key}" in form
        and not _same(key, _value(form.get(key)), _value(form.get(f"was.{key}")))
    }  # fmt: skip


def deal_fields(form: Any, *, only_filled: bool) -> dict[str, Any]:
    """Deal fields from a form (`contact.name` → contact {name}), checked like the API's
    body. `only_filled`: leave out empty inputs (the move dialog); otherwise an input
    whose `was.` twin differs is sent, an emptied one as null (the deal card)."""
    fields: dict[str, Any] = {}
    contact: dict[str, Any] = {}
    for key, target, name in [(k, fields, k) for k in DEAL_KEYS] + [
        (f"contact.{k}", contact, k) for k in CONTACT_KEYS
    ]:
        if key not in form:
            continue
        value, was = _value(form.get(key)), _value(form.get(f"was.{key}"))
        if key == "amount":  # «177 000» as shown, «177000» as sent
            value, was = _amount(value), _amount(was)
        if only_filled:
            if value is not None:
                target[name] = value
        elif not _same(key, value, was):
            target[name] = value
    if contact:
        fields["contact"] = contact
    try:
        return DealFields.model_validate(fields).model_dump(mode="json", exclude_unset=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        people = form_problems(exc.errors())
        raise Refusal(
            400, "invalid", problems, params={"reason": "form", "problems": people}
        ) from None


def draft(deal: dict[str, Any], form: Any) -> dict[str, Any]:
    """The deal as the person typed it in a form, for a dialog shown again."""
    out = dict(deal)
    contact = dict(deal.get("contact") or {})
    for key in DEAL_KEYS:
        if key in form:
            out[key] = str(form.get(key))
    for key in CONTACT_KEYS:
        if f"contact.{key}" in form:
            contact[key] = str(form.get(f"contact.{key}"))
    out["contact"] = contact
    return out


def htmx(request: Request) -> bool:
    """Whether htmx asked (so the answer is a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"


def form_deadline(form: Any, where: tzinfo) -> datetime:
    """The deadline a task form's quick choice names (`when`: hour, tomorrow10 or at with
    `day` and `clock`) in the reader's zone; ValueError with a Russian reason."""
    return days.quick_deadline(
        str(form.get("when", "hour")),
        datetime.now(UTC),
        str(form.get("day", "")),
        str(form.get("clock", "")),
        where,
    )
