"""Loaded by the services `python -m bench.calls` starts (this folder is put first on their
PYTHONPATH, nowhere else): cProfile with a CPU clock, switched on by SIGUSR1 and written to
$CRM_BENCH_CALLS by SIGUSR2. The asyncio loop runs in the main thread, where signal handlers
run, so the profile is the loop's."""

import os

_OUT = os.environ.get("CRM_BENCH_CALLS")
if _OUT:
    import cProfile
    import signal
    import time

    _PROFILE = cProfile.Profile(time.thread_time)
    _PATH: str = _OUT

    def _start(*_: object) -> None:
        _PROFILE.enable()

    def _stop(*_: object) -> None:
        _PROFILE.disable()
        _PROFILE.dump_stats(_PATH)

    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
