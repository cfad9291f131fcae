"""Issue 24 §3: which moves count for a stage's idle threshold, and which number wins (the
80th percentile of at least 20 forward moves, else the stage's idle_after, else none); the
configuration's idle_after, idle_digest_at and idle_recount_at; the next local digest and
recount times."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_shared.config.loader import ConfigError
from crm_shared.locale import next_local
from deal_service.domain.idle import MIN_SAMPLES, choose, forward_moves
from deal_service.entrypoints.idle import next_recount
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
        ("WON", "P1D", "pipeline.stages[7].idle_after: этап success финальный"),
        ("NEW_LEAD", "P1M", "idle_after"),  # months have no fixed length
        ("NEW_LEAD", 0, "idle_after: должно быть больше нуля"),
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
        with pytest.raises(ConfigError, match='"ЧЧ:ММ" в кавычках'):
            config_with(change=at(wrong))


def test_next_local_is_the_readers_clock_today_or_tomorrow() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    before = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)  # 08:00 in Moscow
    assert next_local(time(9), moscow, before) == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    after = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)  # 09:00 sharp: the next is tomorrow
    assert next_local(time(9), moscow, after) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _recount_at(value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["pipeline"]["idle_recount_at"] = value

    return change


def test_the_recount_hour_is_a_quoted_local_time_on_the_teams_clock() -> None:
    assert config_with().pipeline.idle_recount_at == time(3, 0)  # the quiet hours
    moscow = config_with(change=_recount_at("04:30"))
    assert moscow.pipeline.idle_recount_at == time(4, 30)
    before = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)  # 04:00 in Moscow: today's is ahead
    assert next_recount(moscow, before) == datetime(2026, 12, 6, 1, 30, tzinfo=UTC)
    after = datetime(2026, 12, 6, 1, 30, tzinfo=UTC)  # 04:30 sharp: the next is tomorrow
    assert next_recount(moscow, after) == datetime(2026, 12, 7, 1, 30, tzinfo=UTC)

    # The team's zone moves it: 04:30 in Yekaterinburg (UTC+5) is 23:30 UTC the day before.
    def yekaterinburg(data: dict[str, Any]) -> None:
        _recount_at("04:30")(data)
        data["timezone"] = "Asia/Yekaterinburg"

    east = config_with(change=yekaterinburg)
    assert next_recount(east, before) == datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    for wrong in ("24:00", "3", 180, None):  # 180: what YAML makes of an unquoted 03:00
        with pytest.raises(ConfigError) as caught:
            config_with(change=_recount_at(wrong))
        said = str(caught.value)
        assert (
            "pipeline.idle_recount_at" in said and '"ЧЧ:ММ" в кавычках (например, "03:00")' in said
        )
