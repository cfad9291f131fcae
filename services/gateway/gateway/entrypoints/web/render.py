"""Jinja2 for the board's pages: one environment, the filters that say things in Russian.

Times, numbers, money and refusals are said by crm_shared.locale (the CLI says them the same
way); a time is shown on the clock of the person looking (`zone` of the page's context: their
`timezone`, else the configuration's), never the browser's and never UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from crm_shared import locale
from crm_shared.config import FIELD_DISPLAY_NAMES, CrmConfig
from crm_shared.contracts.dto import beside_client
from crm_shared.contracts.phones import client_label, shown_phone
from crm_shared.locale import duration, money, sums
from crm_shared.locale.words import CLOSE_REASONS, DELIVERY, IDLE_SOURCES, PAYS_BY
from gateway.domain.people import Principal

LIVE_EVENTS = (
    "crm.deal.created.v1",
    "crm.deal.updated.v1",
    "crm.deal.stage_changed.v1",
    "crm.deal.noted.v1",
    "crm.deal.idle.v1",
    "crm.task.opened.v1",
    "crm.task.closed.v1",
    "crm.task.updated.v1",
    "crm.task.overdue.v1",
)
__all__ = ["Pages", "deal_label", "duration", "money", "overdue", "sums"]


@pass_context
def when(ctx: Context, value: str | datetime | None) -> str:
    """«30.11.2026 14:05» on the reader's clock."""
    return locale.moment(value, ctx["zone"])


@pass_context
def when_day(ctx: Context, value: str | datetime | None) -> str:
    """«30.11.2026» on the reader's calendar."""
    return locale.day(value, ctx["zone"])


@pass_context
def say(ctx: Context, error: dict[str, Any] | None) -> str:
    """A refusal as a Russian sentence (the catalogue's; never the service's `message`)."""
    return locale.say(error, ctx.get("stage_names") or ctx["all_stage_names"])


def client(contact: dict[str, Any] | None) -> str:
    """How people know a contact (`phones.client_label`): name, else phone, else e-mail."""
    if not contact:
        return ""
    return client_label(contact.get("name"), contact.get("phone"), contact.get("email")) or ""


def deal_label(deal: dict[str, Any] | None) -> str:
    """«Кирпич · Пётр Сидоров» (or the client's phone, else e-mail): how a task names its deal."""
    if not deal:
        return "Сделка"
    contact = client(deal.get("contact"))
    title = deal.get("title") or "Сделка"
    return f"{title} · {contact}" if contact else title


def overdue(value: str | datetime | None) -> bool:
    """Whether a deadline has passed."""
    moment = locale.moment_of(value)
    return moment is not None and moment < datetime.now(UTC)


def late(value: str | datetime | None) -> float | None:
    """Seconds since a deadline passed (None without one)."""
    moment = locale.moment_of(value)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds()) if moment else None


def sentence(text: str) -> str:
    """A line of the deal's feed that no one's name begins, as a sentence of its own: «задача
    «Перезвонить» поставлена» → «Задача «Перезвонить» поставлена» (it read «· задача …», the
    separator after no one). Markup stays Markup."""
    text = text.strip()
    return text[:1].upper() + text[1:]


class Pages:
    """The template environment and the page context every page gets."""

    def __init__(self, config: CrmConfig) -> None:
        self.config = config
        self.env = Environment(
            loader=PackageLoader("gateway", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            money=money,
            sums=sums,
            when=when,
            when_day=when_day,
            deal_label=deal_label,
            overdue=overdue,
            duration=duration,
            percent=locale.percent,
            number=locale.number,
            amount=locale.amount,
            say=say,
            source=locale.source_name,
            late=late,
            phone=shown_phone,
            client=client,
            beside_client=beside_client,
            sentence=sentence,
        )
        self.env.globals.update(
            users={u.id: u.name for u in config.users},
            all_stage_names={st.code: st.name for st in config.stages},
            currencies=config.currencies,
            field_names=FIELD_DISPLAY_NAMES,
            story_fields=locale.STORY_FIELD_NAMES,
            pays_by=PAYS_BY,
            delivery=DELIVERY,
            close_reasons=CLOSE_REASONS,
            idle_sources=IDLE_SOURCES,
            live_events=",".join(LIVE_EVENTS),
        )

    def render(
        self,
        request: Request,
        template: str,
        principal: Principal | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """A page or a partial as an HTML response."""
        html = self.env.get_template(template).render(
            request=request,
            me=principal,
            path=request.url.path,
            zone=self.zone(principal),
            **values,
        )
        return HTMLResponse(html, status, headers=headers)

    def zone(self, principal: Principal | None) -> ZoneInfo:
        """The zone the person reads times in (the configuration's for no one)."""
        return self.config.zone(principal.actor_id if principal else None)
