"""The Bitrix24 stages holding deals that a plan leaves unmapped (crm import bitrix24 refuses
to start while there are any, unless --skip-unmapped): pure, no servers."""

from __future__ import annotations

from typing import Any

from crm_cli.b24_mapping import plan
from crm_cli.b24_stages import kind, said, unmapped
from crm_shared.config import load_config
from tests.locale_support import english

STAGES: list[dict[str, Any]] = [
    {"STATUS_ID": "NEW", "NAME": "Новый лид", "SEMANTICS": None},
    {"STATUS_ID": "PREPARATION", "NAME": "Подготовка документов"},
    {"STATUS_ID": "WON", "NAME": "Сделка успешна", "EXTRA": {"SEMANTICS": "success"}},
    {"STATUS_ID": "APOLOGY", "NAME": "Анализ причины провала", "SEMANTICS": "F"},
]
DEALS = [{"ID": str(i), "STAGE_ID": s} for i, s in enumerate(["NEW"] * 2 + ["WON"] * 3)]
DEALS += [{"ID": "9", "STAGE_ID": "PREPARATION"}, {"ID": "10", "STAGE_ID": "C1:LOSE"}]


def test_won_and_lost_stages_are_known_by_their_semantics_or_their_id() -> None:
    assert kind("WON", STAGES[2]) == "won" and kind("APOLOGY", STAGES[3]) == "lost"
    assert kind("NEW", STAGES[0]) is None and kind("PREPARATION", STAGES[1]) is None
    assert kind("C1:WON", None) == "won" and kind("C3:LOSE", None) == "lost"


def test_an_unmapped_won_stage_is_named_with_its_deals_first() -> None:
    mapping = plan(load_config(), STAGES, [], DEALS)
    # the plan counts each stage's deals, and lists one deals are at that the portal did not
    assert mapping["stages"]["WON"] == {"name": "Сделка успешна", "deals": 3, "to": None}
    assert mapping["stages"]["C1:LOSE"] == {"name": "C1:LOSE", "deals": 1, "to": None}
    assert mapping["stages"]["APOLOGY"]["deals"] == 0
    lost = unmapped(STAGES, DEALS, mapping)
    assert lost == {
        "WON": {"name": "Сделка успешна", "kind": "won", "deals": 3},
        "C1:LOSE": {"name": "C1:LOSE", "kind": "lost", "deals": 1},
        "PREPARATION": {"name": "Подготовка документов", "kind": None, "deals": 1},
    }  # NEW is mapped by name, APOLOGY holds no deal
    lines = said(lost)
    assert lines == [
        "  «Сделка успешна» (WON, успешная: выигранные сделки) — 3 сделки",
        "  «C1:LOSE» (провальная: проигранные сделки) — 1 сделка",
        "  «Подготовка документов» (PREPARATION) — 1 сделка",
    ]
    assert not english("\n".join(lines))
    mapping["stages"]["WON"]["to"] = "WON"
    assert "WON" not in unmapped(STAGES, DEALS, mapping)
    everything = {s: {"to": "NEW_LEAD"} for s in ("WON", "C1:LOSE", "PREPARATION")}
    assert unmapped(STAGES, DEALS, {"stages": {**mapping["stages"], **everything}}) == {}
