"""`crm rules try`'s own checks before anything is sent: the period, and the proposed file
(checked by the configuration's loader; too long for the bus, it goes without comments)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from crm_cli.bus import CliError
from crm_cli.rules import content, since_days
from crm_shared.config import loads_config
from crm_shared.contracts.deal import MAX_CONFIG_BYTES, TryRules
from crm_shared.contracts.text import json_size


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("7", 7), (" 366d ", 366)])
def test_the_period_in_days(text: str, days: int) -> None:
    assert since_days(text) == days


@pytest.mark.parametrize("text", ["0d", "367d", "53w", "3m", "", "-5d"])
def test_a_period_out_of_bounds_is_said(text: str) -> None:
    with pytest.raises(CliError) as raised:
        since_days(text)
    assert raised.value.exit_code == 2


def test_a_long_file_goes_without_its_comments(tmp_path: Path) -> None:
    shipped = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    text = shipped + "\n" + "# комментарий\n" * 4000
    path = tmp_path / "long.yaml"
    path.write_text(text, "utf-8")
    assert json_size(text) > MAX_CONFIG_BYTES
    sent = content(path)
    assert json_size(sent) <= MAX_CONFIG_BYTES
    assert loads_config(sent) == loads_config(text)
    TryRules(actor_id="rop-1", config=sent)  # fits the contract


def test_a_bad_file_is_named_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("plan: gold\n", "utf-8")
    with pytest.raises(CliError, match="конфигурация не принята") as raised:
        content(path)
    assert "plan" in str(raised.value) and raised.value.exit_code == 2
    with pytest.raises(CliError, match="не удалось прочитать"):
        content(tmp_path / "missing.yaml")
