"""Rule 6's refusal says who was asked to agree, as the notifier asks them, and never claims
that someone was asked when there is nobody."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crm_shared.contracts.refusals import Refused
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from tests.configs import config_with

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _free(default_rop: str | None, *, rops: bool = True) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["default_rop"] = default_rop
        if not rops:
            data["users"] = [u for u in data["users"] if u["role"] != "rop"]

    return config_with("free", change)


@pytest.mark.parametrize(
    ("rop_id", "config", "says"),
    [
        ("rop-1", _free(None), "; the РОП has been asked"),
        (None, _free("rop-1"), "; the default РОП has been asked"),
        (None, _free(None), "the deal has no РОП: every user with role rop has been asked"),
        (None, _free(None, rops=False), "no user has role rop: nobody could be asked"),
    ],
)
def test_the_refusal_names_who_was_asked(rop_id: str | None, config: Any, says: str) -> None:
    deal = Deal(
        id="d-1",
        stage="PROCESSING",
        created_at=T0,
        updated_at=T0,
        contact=Contact("c-1", name="Ян"),
        rop_id=rop_id,
        contact_attempts=3,
    )
    with pytest.raises(Refused) as caught:
        deal.move_to(
            "LOST_NO_CONTACT", actor_id="mgr-1", failure_comment=None, config=config, now=T0
        )
    assert caught.value.error.code.value == "rop_approval_required"
    assert says in caught.value.error.message
