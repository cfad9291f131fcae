"""`make run`'s launcher speaks Russian to the person who started it: a run with stand-in
services (a wait, a crash and its restart, the banner, a wait again, Ctrl-C) prints no
English word of the launcher's own. Its failures (a service that refuses its configuration,
a failed migration, a server out of reach) are checked for English where test_launcher
makes them. The suite's servers are the launcher's external ones."""

from __future__ import annotations

import signal
from pathlib import Path

from crm_shared.devstack import DevStack, free_port
from tests.launcher_support import UP, Launcher, make_service, servers
from tests.locale_support import english


def test_a_run_with_a_wait_a_restart_and_ctrl_c_is_said_in_russian(
    tmp_path: Path, stack: DevStack
) -> None:
    make_service(tmp_path, "svc_first")
    make_service(tmp_path, "svc_crash", exit_code=7, once=True)
    (tmp_path / "svc_first.waiting").write_text("")
    services = [
        ("first-service", "svc_first", free_port()),
        ("crash-service", "svc_crash", free_port()),
    ]
    launcher = Launcher(tmp_path, services, servers(stack))
    try:
        launcher.wait_for("ещё не готовы: first-service (NATS: подключается)")
        launcher.wait_for("crash-service перезапущен")
        (tmp_path / "svc_first.waiting").unlink()
        launcher.wait_for(UP)
        (tmp_path / "svc_first.waiting").write_text("")  # NATS lost after the banner
        launcher.wait_for("ещё не готовы: first-service (NATS: подключается)\n", after=UP)
        (tmp_path / "svc_first.waiting").unlink()
        launcher.wait_for("все сервисы снова готовы")
        launcher.proc.send_signal(signal.SIGINT)
        assert launcher.finish() == 0, launcher.output
    finally:
        launcher.proc.kill()
    out = launcher.output
    for said in (
        "применяю миграции first-service …",
        "завершился с кодом 7; перезапуск через 1 с",
        "(внешний, CRM_NATS_URL)",
        "Ctrl-C останавливает всё.",
        "останавливаю всё (SIGINT) …",
        "всё остановлено",
    ):
        assert said in out, out
    assert english(out) == [], out
