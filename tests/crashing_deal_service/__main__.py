"""`python -m tests.crashing_deal_service [serve|migrate]`: deal-service, loop made to crash.

The test hook lives here, not in production code: before deal-service's own entry point
runs, the batch consumer's loop is replaced by one that raises as soon as it runs, as
a bug in a consumer loop would. With CRM_TEST_CRASH_ONCE naming a file, only the first
start crashes (it creates the file), so a supervisor's restart then comes up for real.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import sys
from pathlib import Path

from crm_shared.consumer import BatchConsumer

MESSAGE = "consumer loop made to crash (test)"


async def _crashing_run(self: BatchConsumer[object]) -> None:
    await asyncio.sleep(0)  # the start goes on meanwhile, as with a real loop
    raise RuntimeError(MESSAGE)


def _should_crash() -> bool:
    if sys.argv[1:] not in ([], ["serve"]):
        return False  # `migrate`
    marker = os.environ.get("CRM_TEST_CRASH_ONCE")
    if not marker:
        return True
    if Path(marker).exists():
        return False
    Path(marker).write_text("crashed once")
    return True


if __name__ == "__main__":
    if _should_crash():
        BatchConsumer.run = _crashing_run
    runpy.run_module("deal_service", run_name="__main__", alter_sys=True)
