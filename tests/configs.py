"""Variants of the shipped configuration for tests (plan, deadlines, channels)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

import yaml

from crm_shared.config import CrmConfig, config_from_data


def default_data() -> dict[str, Any]:
    """The shipped default configuration as plain data, to be modified by a test."""
    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def config_with(
    plan: str | None = None, change: Callable[[dict[str, Any]], None] | None = None
) -> CrmConfig:
    """The default configuration on another plan, optionally changed further."""
    data = default_data()
    if plan is not None:
        data["plan"] = plan
    if change is not None:
        change(data)
    return config_from_data(data, source=f"test config ({plan})")
