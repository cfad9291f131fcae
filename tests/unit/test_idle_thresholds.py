"""Issue 24 §3: which moves count for a stage's idle threshold, and which number wins (the
80th percentile of at least 20 forward moves, else the stage's idle_after, else none); the
configuration's idle_after and idle_digest_at; the next local digest time."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_shared.config.loader import ConfigError
from crm_shared.locale import next_local
from deal_service.domain.idle import MIN_SAMPLES, choose, forward_moves
from tests.configs import config_with, stage_data


def _idle_after(code: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        stage_data(data, code)["idle_after"] = value

    return change


def test_forward_moves_are_later_active_stages_and_the_won_one_never_a_loss() -> None:
    pairs = forward_moves(config_with())
    assert ("NEW_LEAD", "PROCESSING") in pairs and ("NEW_LEAD", "WON") in pairs
    assert ("PROCESSING", "NEW_LEAD") not in pairs  # back is not forward
    assert not any(to.startswith("LOST_") for _, to in pairs)  # a loss is not progress
    assert not any(origin == "WON" for origin, _ in pairs)  # a final stage is not watched


def test_the_percentile_wins_with_enough_moves_else_idle_after_else_none() -> None:
    cfg = config_with(change=_idle_after("PROCESSING", "P2D"))
    measured = {
        "NEW_LEAD": (MIN_SAMPLES, 5400.0),  # enough: the measured number
        "PROCESSING": (MIN_SAMPLES - 1, 99.0),  # too few: the configured P2D
        "OFFER_MADE": (3, 10.0),  # too few and nothing configured: not watched
    }
    by_stage = {t.stage: t for t in choose(cfg, measured)}
    assert (by_stage["NEW_LEAD"].seconds, by_stage["NEW_LEAD"].source) == (5400.0, "history")
    assert (by_stage["PROCESSING"].seconds, by_stage["PROCESSING"].source) == (172800, "config")
    assert by_stage["PROCESSING"].samples == MIN_SAMPLES - 1
    assert (by_stage["OFFER_MADE"].seconds, by_stage["OFFER_MADE"].source) == (None, "none")
    assert "WON" not in by_stage and "LOST_SPAM" not in by_stage
    # Every active stage has its line, in pipeline order, measured or not.
    active = [s.code for s in cfg.pipeline.stages if not s.is_final]
    assert [t.stage for t in choose(cfg, {})] == active


def test_idle_after_is_checked_like_the_other_stage_keys() -> None:
    assert config_with(change=_idle_after("NEW_LEAD", "PT90M")).stage("NEW_LEAD").idle_after
    for code, value, said in (
        ("WON", "P1D", "pipeline.stages[7].idle_after: a success stage is final"),
        ("NEW_LEAD", "P1M", "idle_after"),  # months have no fixed length
        ("NEW_LEAD", 0, "idle_after: must be longer than zero"),
    ):
        with pytest.raises(ConfigError) as caught:
            config_with(change=_idle_after(code, value))
        assert said in str(caught.value)


def test_the_digest_hour_is_a_quoted_local_time_or_null() -> None:
    def at(value: Any) -> Any:
        def change(data: dict[str, Any]) -> None:
            data["notifications"]["idle_digest_at"] = value

        return change

    assert config_with().notifications.idle_digest_at == time(9, 0)
    assert config_with(change=at("18:30")).notifications.idle_digest_at == time(18, 30)
    assert config_with(change=at(None)).notifications.idle_digest_at is None
    for wrong in ("25:00", "9", 540):  # 540: what YAML makes of an unquoted 09:00
        with pytest.raises(ConfigError, match='"HH:MM" in quotes'):
            config_with(change=at(wrong))


def test_next_local_is_the_readers_clock_today_or_tomorrow() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    before = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)  # 08:00 in Moscow
    assert next_local(time(9), moscow, before) == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    after = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)  # 09:00 sharp: the next is tomorrow
    assert next_local(time(9), moscow, after) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
