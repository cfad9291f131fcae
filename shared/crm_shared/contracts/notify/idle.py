"""The notifier's answers about idle deals («засиделась», issue 24): which of some deals are
idle now (the board's and the card's mark) and the thresholds it watches with (the РОП's
page). deal-service computes the thresholds (`IdleThresholdsSet`); the notifier keeps them."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field

from crm_shared.contracts.base import Answer, Asks, Query
from crm_shared.contracts.deal.events import IdleThreshold
from crm_shared.contracts.text import Id, Plain


class IdleDeal(BaseModel):
    """A deal that sits past its stage's threshold: since when it is idle (its last activity
    plus the threshold) and its last activity."""

    deal_id: Plain
    stage: Plain
    responsible_id: Plain | None = None
    idle_since: datetime
    last_activity_at: datetime


class IdleDealsReply(Answer):
    """The idle ones among the deals asked about (the others are not idle, or not watched)."""

    items: list[IdleDeal]


class IdleDeals(Query, Asks[IdleDealsReply]):
    """crm.query.notify.idle_deals: which of these deals are idle now. The caller asks about
    deals it was shown (its scope was applied there); the answer names no one else's."""

    SUBJECT: ClassVar[str] = "crm.query.notify.idle_deals"
    deal_ids: list[Id] = Field(min_length=1, max_length=500)


class IdleThresholdsReply(Answer):
    """Every active stage's threshold, in pipeline order, as last computed (none yet: empty)."""

    computed_at: datetime | None = None
    items: list[IdleThreshold]


class IdleThresholds(Query, Asks[IdleThresholdsReply]):
    """crm.query.notify.idle_thresholds: the thresholds the notifier watches deals with."""

    SUBJECT: ClassVar[str] = "crm.query.notify.idle_thresholds"
