"""A service process writes no e-mail address or phone number in its log."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.notifier_support import FAST_ENV, ROP, config_data, open_task, task, write_config
from tests.support import Client, eventually


@pytest.mark.slow
async def test_the_notifier_log_masks_the_address_it_failed_to_mail(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    # A mail server that is not there: the notifier logs each failed attempt, with its target.
    data = config_data(
        {ROP: [{"type": "email", "address": "anna.petrova@example.ru"}]}, smtp_port=9
    )
    log_path = tmp_path / "notifier.log"
    env = {
        **os.environ,
        **FAST_ENV,
        "CRM_NATS_URL": clean.nats_url,
        "CRM_DATABASE_URL": clean.database_url,
        "CRM_METRICS_PORT": "0",
        "CRM_CONFIG": write_config(tmp_path / "crm.yaml", data),
    }
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notifier", env=env, stderr=log
        )
    try:
        await eventually(lambda: b"notifier ready" in log_path.read_bytes(), timeout=30)
        await open_task(client, task(0.2, title="Позвонить +7 912 345-67-89"))
        await eventually(lambda: b"email delivery" in log_path.read_bytes(), timeout=30)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    text = log_path.read_text("utf-8")
    assert "a***@example.ru" in text
    assert "anna.petrova" not in text and "345-67" not in text
