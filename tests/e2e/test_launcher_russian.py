"""`make run`'s launcher speaks Russian to the person who started it: a run with stand-in
services (a wait, a crash and its restart, the banner, a wait again, Ctrl-C) and its
failures (a service that refuses its configuration, a failed migration, a server out of
reach) print no English word of the launcher's own. The suite's servers are the launcher's
external ones."""

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


def test_a_refused_configuration_is_said_in_russian(tmp_path: Path, stack: DevStack) -> None:
    make_service(tmp_path, "svc_ok")
    make_service(tmp_path, "svc_bad", exit_code=2)
    services = [("ok-service", "svc_ok", free_port()), ("bad-service", "svc_bad", free_port())]
    launcher = Launcher(tmp_path, services, servers(stack))
    assert launcher.finish() == 1, launcher.output
    out = launcher.output
    assert "ошибка: bad-service завершился с кодом 2 (неверная конфигурация)" in out, out
    assert english(out) == [], out


def test_a_failed_migration_is_said_in_russian(tmp_path: Path, stack: DevStack) -> None:
    make_service(tmp_path, "svc_bad", migrate_rc=2)
    launcher = Launcher(tmp_path, [("bad-service", "svc_bad", free_port())], servers(stack))
    assert launcher.finish() == 1, launcher.output
    out = launcher.output
    # The service's own last line is quoted as it came: the service's words, not the launcher's.
    quoted = "«svc_bad: alembic says hello»"
    assert f"миграции bad-service не прошли (код выхода 2): {quoted}" in out, out
    assert english(out.replace(quoted, "")) == [], out


def test_a_server_out_of_reach_is_said_in_russian(tmp_path: Path, stack: DevStack) -> None:
    make_service(tmp_path, "svc_a")
    env = {**servers(stack), "CRM_DATABASE_URL": f"postgresql://crm:x@127.0.0.1:{free_port()}/crm"}
    launcher = Launcher(tmp_path, [("a-service", "svc_a", free_port())], env)
    assert launcher.finish() == 1, launcher.output
    out = launcher.output
    assert "ошибка: нет связи с PostgreSQL по адресу" in out and "соединение отклонено" in out
    assert english(out) == [], out
