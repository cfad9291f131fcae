"""The first thing `python -m <service> serve` does: stop cleanly even while importing.

Importing a service takes a second or two (FastStream, pydantic, the configuration). A
SIGTERM or Ctrl-C in that time would end the process by the signal's default (status 143, or
a KeyboardInterrupt traceback). Until `crm_shared.machinery.serving` installs its own handlers, a
stop asked for ends the process at once with status 0, as it would a moment later. A
`migrate` keeps the defaults: an interrupted migration must not look like a success.

The stop is `os._exit`, not `SystemExit`: an exception raised by a signal lands in whatever
code runs at that moment, and some of it catches and wraps it (pydantic-core building a model
reported the SystemExit as a SchemaError traceback with status 1). Nothing is open yet that an
orderly exit would have to close; the two output streams are flushed first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType


def stop_cleanly_while_starting(argv: list[str]) -> None:
    """For `serve` (the default command): SIGTERM/SIGINT exit 0 until serving takes over."""
    if argv not in ([], ["serve"]):
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_now)


def _exit_now(signum: int, frame: FrameType | None) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe
            stream.flush()
    os._exit(0)
