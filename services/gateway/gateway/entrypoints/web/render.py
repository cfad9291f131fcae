"""Jinja2 for the board's pages: one environment, the filters that say things in Russian."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from crm_shared.config import FIELD_DISPLAY_NAMES
from gateway.domain.days import zone
from gateway.domain.people import Principal

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€"}
PAYS_BY = {"cash": "Наличными", "online": "Онлайн", "invoice": "По счёту"}
DELIVERY = {"delivery": "Доставка", "pickup": "Самовывоз"}
CLOSE_REASONS = {
    "completed": "выполнена",
    "stage_left": "сделка ушла со стадии",
    "deal_closed": "сделка закрыта",
    "rop_set": "РОП указан",
}
LIVE_EVENTS = (
    "crm.deal.created.v1",
    "crm.deal.updated.v1",
    "crm.deal.stage_changed.v1",
    "crm.task.opened.v1",
    "crm.task.closed.v1",
    "crm.task.updated.v1",
    "crm.task.overdue.v1",
)


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def money(amount: Any, currency: str | None = "RUB") -> str:
    """15000.5, RUB → «15 000,50 ₽»; nothing → «—»."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    whole = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    whole = whole[:-3] if whole.endswith(",00") else whole
    return f"{whole} {CURRENCY_SIGNS.get(currency or 'RUB', currency or '')}".strip()


def sums(by_currency: dict[str, str] | None) -> str:
    """A column's sums, one per currency."""
    if not by_currency:
        return "0 ₽"
    return " + ".join(money(v, c) for c, v in sorted(by_currency.items()))


def when(value: str | datetime | None) -> str:
    """«30.11 14:05» in the people's zone (`gateway.domain.days.zone`): a deadline set
    «завтра в 15:00» reads 15:00."""
    moment = _moment(value)
    return moment.astimezone(zone()).strftime("%d.%m %H:%M") if moment else "—"


def deal_label(deal: dict[str, Any] | None) -> str:
    """«Кирпич · Пётр Сидоров»: how a task names its deal."""
    if not deal:
        return "Сделка"
    contact = (deal.get("contact") or {}).get("name")
    title = deal.get("title") or "Сделка"
    return f"{title} · {contact}" if contact else title


def when_day(value: str | datetime | None) -> str:
    """«30.11.2026»."""
    moment = _moment(value)
    return moment.astimezone(zone()).strftime("%d.%m.%Y") if moment else "—"


def overdue(value: str | datetime | None) -> bool:
    """Whether a deadline has passed."""
    moment = _moment(value)
    return moment is not None and moment < datetime.now(UTC)


def late(value: str | datetime | None) -> float | None:
    """Seconds since a deadline passed (None without one)."""
    moment = _moment(value)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds()) if moment else None


def duration(seconds: float | None) -> str:
    """3725 → «1 ч 2 мин»."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{int(seconds)} с"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} д"] * bool(days) + [f"{hours} ч"] * bool(hours) + [f"{mins} мин"]
    return " ".join(parts[:2])


class Pages:
    """The template environment and the page context every page gets."""

    def __init__(self, users: dict[str, str]) -> None:
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
            late=late,
        )
        self.env.globals.update(
            users=users,
            field_names=FIELD_DISPLAY_NAMES,
            pays_by=PAYS_BY,
            delivery=DELIVERY,
            close_reasons=CLOSE_REASONS,
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
            request=request, me=principal, path=request.url.path, **values
        )
        return HTMLResponse(html, status, headers=headers)
