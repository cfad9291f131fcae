"""A currency is a code ISO 4217 has (Babel's register), in leads, commands and the
configuration alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crm_shared.contracts.currency import check_currency
from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.deal.commands import CreateDeal


@pytest.mark.parametrize("code", ["RUB", "USD", "EUR", "KZT", "BYN", "CNY"])
def test_real_codes_pass(code: str) -> None:
    assert check_currency(code) == code
    lead = {"source": "s", "external_id": "e", "contact": {"name": "Я"}, "currency": code}
    assert LeadReceived.model_validate(lead).currency == code


@pytest.mark.parametrize("code", ["XYZ", "ABC", "RUBX", "rub", "рубли"])
def test_made_up_codes_are_refused_everywhere(code: str) -> None:
    lead = {"source": "s", "external_id": "e", "contact": {"name": "Я"}, "currency": code}
    with pytest.raises(ValidationError):
        LeadReceived.model_validate(lead)
    with pytest.raises(ValidationError):
        CreateDeal.model_validate({"actor_id": "mgr-1", "currency": code})
