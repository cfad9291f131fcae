"""The deal card: its fields, contact, tasks; edit, log a contact attempt, create by hand."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from crm_shared.contracts.deal import (
    CreateDeal,
    DealFields,
    GetDeal,
    LogContactAttempt,
    UpdateDeal,
)
from crm_shared.locale import say
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import retry_key
from gateway.entrypoints.web.common import (
    ctx_of,
    deal_fields,
    form_deadline,
    pages,
    person,
    typed,
)
from gateway.handlers import board as boards
from gateway.handlers import find, plans, story
from gateway.handlers.api import acting, ask, build
from gateway.handlers.errors import Refusal, told

router = APIRouter(include_in_schema=False)
me = Depends(person)
once = Depends(retry_key)  # the change's Idempotency-Key: its commands' request_id


async def _card(
    request: Request, principal: Principal, deal_id: str, status: int = 200, **extra: Any
) -> Response:
    ctx = ctx_of(request)
    view = await boards.deal_view(ctx, principal, deal_id)
    here = view["deal"]["stage"]
    stages = [s for s in ctx.config.stages if s.code != here]
    # The stage after the deal's own is offered first: one click must not send it back.
    codes = [s.code for s in ctx.config.stages]
    after = codes[codes.index(here) + 1 :] if here in codes else []
    # Everyone who may hold a deal, managers first: a deal held by the РОП (or by a user the
    # configuration no longer has, shown by id) keeps its responsible when another field is
    # saved, as the select shows what the deal has.
    people = sorted(ctx.config.users, key=lambda u: u.role != "manager")
    managers = [u for u in ctx.config.users if u.role == "manager"]
    rops = [u for u in ctx.config.users if u.role == "rop"]
    template = "partials/deal_card.html" if request.headers.get("hx-request") else "deal.html"
    return pages(request).render(
        request,
        template,
        principal,
        status=status,
        deal=view["deal"],
        tasks=view["tasks"],
        idle=view["idle"],
        history=view["history"],
        timeline=view["timeline"],
        stages=stages,
        people=people,
        managers=managers,
        rops=rops,
        stage_name={s.code: s.name for s in ctx.config.stages},
        next_stage=after[0] if after else None,
        # a closed deal does not move (WON and the failure stages refuse it): no form
        closed=bool((at := ctx.config.stage_or_none(here)) and at.is_final),
        **extra,
    )


async def _for_contact(
    request: Request, principal: Principal, contact_id: str | None
) -> dict[str, Any]:
    """The new-deal dialog's contact, when the deal is made for one (the contact's page): its
    fields, and for the РОП the managers with the one who holds the contact's newest deal
    chosen (the robot's pick might be a manager who may not see this client)."""
    if not contact_id:
        return {}
    view = await find.contact(ctx_of(request), principal, contact_id)
    managers = [u for u in ctx_of(request).config.users if u.role == "manager"]
    holders = [d.get("responsible_id") for d in view["deals"] if d.get("responsible_id")]
    return {"contact": view["contact"], "managers": managers, "holder": next(iter(holders), "")}


@router.get("/deals/new", response_class=HTMLResponse)
async def new_deal(
    request: Request, contact_id: str | None = None, principal: Principal = me
) -> Response:
    """The dialog for a deal made by hand, for a contact already known when `contact_id`
    is given (the contact's page: its name and phone are not typed again)."""
    known = await _for_contact(request, principal, contact_id)
    return pages(request).render(
        request, "partials/new_deal_dialog.html", principal, error=None, **known
    )


@router.post("/deals", response_class=HTMLResponse)
async def create(request: Request, principal: Principal = me, key: str | None = once) -> Response:
    """Create a deal in the entry stage and open its card."""
    form = await request.form()
    contact_id = str(form.get("contact_id") or "").strip() or None
    try:
        payload = deal_fields(form, only_filled=True)
        payload.pop("failure_comment", None)
        if contact_id:  # a known client's deal: bound to the contact, not a copy typed again
            payload.pop("contact", None)
            payload["contact_id"] = contact_id
        create = build(CreateDeal, {**payload, "actor_id": acting(principal)})
        created = await ask(ctx_of(request), create, retry_key=key)
    except Refusal as refusal:
        known = await _for_contact(request, principal, contact_id)
        return pages(request).render(
            request,
            "partials/new_deal_dialog.html",
            principal,
            status=422,
            error=refusal.body()["error"],
            form=form,
            **known,
        )
    return Response(status_code=201, headers={"HX-Redirect": f"/deals/{created.deal.id}"})


@router.get("/deals/{deal_id}", response_class=HTMLResponse)
async def deal_page(request: Request, deal_id: str, principal: Principal = me) -> Response:
    """The deal card as a page."""
    return await _card(request, principal, deal_id)


@router.get("/deals/{deal_id}/feed", response_class=HTMLResponse)
async def feed(request: Request, deal_id: str, principal: Principal = me) -> Response:
    """The deal's story again (the card's «Лента сделки»), drawn anew when a task on the card
    is commented, moved or closed: those answer with the task's row alone."""
    ctx = ctx_of(request)
    deal, timeline = await asyncio.gather(
        ask(ctx, GetDeal(actor_id=acting(principal), deal_id=deal_id)),
        story.timeline(ctx, principal, deal_id),
    )
    return pages(request).render(
        request,
        "partials/timeline.html",
        principal,
        deal=deal.deal.model_dump(mode="json"),
        timeline=timeline,
        stage_name={s.code: s.name for s in ctx.config.stages},
    )


@router.post("/deals/{deal_id}", response_class=HTMLResponse)
async def update(
    request: Request, deal_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Save the changed fields; a refusal is shown above the form."""
    form = await request.form()
    try:
        fields = deal_fields(form, only_filled=False)
        if fields:
            changes = build(DealFields, fields)
            await ask(
                ctx_of(request),
                UpdateDeal(actor_id=acting(principal), deal_id=deal_id, fields=changes),
                retry_key=key,
            )
    except Refusal as refusal:
        if refusal.status in (403, 404):  # not the caller's deal (deal-service says so)
            raise
        error = refusal.body()["error"]
        return await _card(request, principal, deal_id, 422, error=error, draft=typed(form))
    return await _card(request, principal, deal_id, saved=bool(fields))


@router.post("/deals/{deal_id}/contact-attempts", response_class=HTMLResponse)
async def contact_attempt(
    request: Request, deal_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Log a failed attempt to reach the client, with a note."""
    form = await request.form()
    note = str(form.get("note", "")).strip() or None
    try:
        attempt = LogContactAttempt(actor_id=acting(principal), deal_id=deal_id, note=note)
        await ask(ctx_of(request), attempt, retry_key=key)
    except Refusal as refusal:
        if refusal.status in (403, 404):  # not the caller's deal (deal-service says so)
            raise
        return await _card(request, principal, deal_id, 422, error=refusal.body()["error"])
    return await _card(request, principal, deal_id)


@router.post("/deals/{deal_id}/tasks", response_class=HTMLResponse)
async def add_task(
    request: Request, deal_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Set a task on the deal with a quick deadline («через час», «завтра в 10:00», a date
    and time in the people's zone); a refusal is shown above the form."""
    form = await request.form()
    title = str(form.get("title", "")).strip()
    description = str(form.get("description", "")).strip() or None
    try:
        deadline = form_deadline(form, pages(request).zone(principal))
        await plans.create_task(
            ctx_of(request), principal, deal_id, title, deadline, description, retry_key=key
        )
    except ValueError as exc:  # the form's own words, Russian (form_deadline)
        return await _card(request, principal, deal_id, 422, task_error=str(exc), task_form=form)
    except Refusal as refusal:
        if refusal.status in (403, 404):
            raise
        # the catalogue's sentence, never the service's English `message`; what was typed stays
        said = say(refusal.body()["error"])
        return await _card(request, principal, deal_id, 422, task_error=said, task_form=form)
    return await _card(request, principal, deal_id, task_added=True)


@router.post("/deals/{deal_id}/notes", response_class=HTMLResponse)
async def add_note(
    request: Request, deal_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Write a note on the deal; the card shows it at the top of the feed."""
    text = str((await request.form()).get("text", "")).strip()
    if not text:
        raise told("пустая заметка")
    await story.note(ctx_of(request), principal, deal_id, text, retry_key=key)
    return await _card(request, principal, deal_id)
