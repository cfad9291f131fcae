"""`make run`'s launcher as a real process: readiness, restarts, clear failures, no orphans.

Most tests run it with small stand-in services (packages written into a temporary folder
that serve /healthz and record what happened to them); the last one runs the real
deal-service with its consumer loop made to crash once. The suite's own servers are the
launcher's "external" servers, so it starts none of its own.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import psutil
import pytest

from crm_shared.devstack import DevStack, EmbeddedPostgres, free_port
from tests.conftest import ROOT, Infra
from tests.launcher_support import UP, Launcher, make_service, servers
from tests.locale_support import english


def test_launcher_says_up_only_when_ready_and_stops_services_on_sigint(
    tmp_path: Path, stack: DevStack
) -> None:
    make_service(tmp_path, "svc_a")
    make_service(tmp_path, "svc_b")
    (tmp_path / "svc_a.waiting").write_text("")
    port_a, port_b = free_port(), free_port()
    services = [
        ("a", "svc_a", port_a),
        ("b", "svc_b", port_b),
    ]
    launcher = Launcher(tmp_path, services, servers(stack))
    try:
        launcher.wait_for("ещё не готовы: a (NATS: подключается)")
        assert "CRM запущена" not in launcher.output
        (tmp_path / "svc_a.waiting").unlink()
        launcher.wait_for(UP)
        launcher.proc.send_signal(signal.SIGINT)
        assert launcher.finish() == 0, launcher.output
    finally:
        launcher.proc.kill()
    out = launcher.output
    assert (tmp_path / "svc_b.migrated").read_text() == stack.database_url
    assert f"http://127.0.0.1:{port_a}/metrics" in out
    assert "Ctrl-C останавливает всё." in out
    assert (tmp_path / "svc_a.migrated").read_text() == stack.database_url
    assert (tmp_path / "svc_a.stopped").read_text() == str(port_a)
    assert (tmp_path / "svc_b.stopped").read_text() == str(port_b)


def test_launcher_restarts_a_service_that_exits(tmp_path: Path, stack: DevStack) -> None:
    make_service(tmp_path, "svc_ok")
    make_service(tmp_path, "svc_crash", exit_code=7)
    services = [("ok", "svc_ok", free_port()), ("crash", "svc_crash", free_port())]
    launcher = Launcher(tmp_path, services, servers(stack))
    try:
        launcher.wait_for("завершился с кодом 7; перезапуск через 1 с")
        launcher.wait_for("crash перезапущен")
        launcher.wait_for("завершился с кодом 7; перезапуск через 2 с")  # the pause grows
        launcher.proc.send_signal(signal.SIGINT)
        assert launcher.finish() == 0, launcher.output
    finally:
        launcher.proc.kill()
    assert (tmp_path / "svc_crash.starts").read_text().count("start") >= 2
    assert (tmp_path / "svc_ok.starts").read_text().count("start") == 1
    assert (tmp_path / "svc_ok.stopped").exists()
    assert "Traceback" not in launcher.output


def test_launcher_gives_up_on_a_bad_configuration(tmp_path: Path, stack: DevStack) -> None:
    make_service(tmp_path, "svc_ok")
    make_service(tmp_path, "svc_bad", exit_code=2)
    services = [("ok-service", "svc_ok", free_port()), ("bad-service", "svc_bad", free_port())]
    launcher = Launcher(tmp_path, services, servers(stack))
    assert launcher.finish() == 1, launcher.output
    out = launcher.output
    said = "ошибка: bad-service завершился с кодом 2 (неверная конфигурация); перезапуска не будет"
    assert said in out, out
    assert english(out) == [], out  # said in Russian, as every failure here
    assert (tmp_path / "svc_ok.stopped").exists()


def test_launcher_fails_with_a_sentence_when_a_migration_fails(
    tmp_path: Path, stack: DevStack
) -> None:
    make_service(tmp_path, "svc_bad", migrate_rc=2)
    launcher = Launcher(tmp_path, [("bad-service", "svc_bad", free_port())], servers(stack))
    assert launcher.finish() == 1, launcher.output
    out = launcher.output
    # The service's own last line is quoted as it came: the service's words, not the launcher's.
    quoted = "«svc_bad: alembic says hello»"
    assert f"миграции bad-service не прошли (код выхода 2): {quoted}" in out, out
    assert "весь вывод покажет `" in out
    assert english(out.replace(quoted, "")) == [], out
    assert not (tmp_path / "svc_bad.starts").exists()


@pytest.mark.parametrize("server", ["NATS", "PostgreSQL"])
def test_launcher_says_when_a_configured_server_cannot_be_reached(
    tmp_path: Path, stack: DevStack, server: str
) -> None:
    make_service(tmp_path, "svc_a")
    env = servers(stack)
    closed = free_port()
    if server == "NATS":
        env["CRM_NATS_URL"] = url = f"nats://crm:s3cret@127.0.0.1:{closed}"
        shown, variable = f"nats://crm:***@127.0.0.1:{closed}", "CRM_NATS_URL"
    else:
        env["CRM_DATABASE_URL"] = url = f"postgresql://crm:s3cret@127.0.0.1:{closed}/crm"
        shown, variable = f"postgresql://crm:***@127.0.0.1:{closed}/crm", "CRM_DATABASE_URL"
    launcher = Launcher(tmp_path, [("a-service", "svc_a", free_port())], env)
    assert launcher.finish() == 1, launcher.output
    out = launcher.output
    said = f"ошибка: нет связи с {server} по адресу {shown} ({variable}): соединение отклонено"
    assert said in out
    assert english(out) == [], out
    assert "Traceback" not in out
    assert "s3cret" not in out and url not in out
    assert not (tmp_path / "svc_a.migrated").exists()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_launcher_restarts_a_crashed_service_and_leaves_nothing_when_killed(
    tmp_path: Path, infra: Infra
) -> None:
    """deal-service's consumer loop crashes at its first start: the process exits 1 with a
    log line, the launcher starts it again, says «up» once it is ready, and a SIGKILL of the
    launcher leaves no service process behind."""
    env = {
        "CRM_NATS_URL": infra.nats_url,
        "CRM_DATABASE_URL": infra.database_url,
        "CRM_TEST_CRASH_ONCE": str(tmp_path / "crashed"),
        "PYTHONPATH": str(ROOT),
    }
    services = [("deal-service", "tests.crashing_deal_service", free_port())]
    launcher = Launcher(tmp_path, services, env, cwd=ROOT)
    try:
        launcher.wait_for(UP, timeout=90)
        out = launcher.output
        assert "consumer loop made to crash (test)" in out
        assert "exiting with status 1" in out
        assert (
            "deal-service (процесс" in out and "завершился с кодом 1; перезапуск через 1 с" in out
        )
        assert out.index("deal-service перезапущен") < out.index(UP)
        children = [p.pid for p in psutil.Process(launcher.proc.pid).children(recursive=True)]
        assert children
        launcher.proc.send_signal(signal.SIGKILL)
        launcher.proc.wait(10)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in children):
            assert time.monotonic() < deadline, f"left behind: {children}"
            time.sleep(0.1)
    finally:
        launcher.proc.kill()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_killed_launcher_leaves_neither_services_nor_embeddedservers(tmp_path: Path) -> None:
    """SIGKILL: the services get the parent-death signal, and the guard stops the embedded
    NATS and PostgreSQL (the latter runs detached, started by pg_ctl)."""
    make_service(tmp_path, "svc_a")
    run_dir = tmp_path / "data" / "run"
    # The cluster made beforehand without initdb's fsync (the launcher reuses it, as it
    # reuses a user's): a loaded CI disk must not turn this test into a test of fsync.
    EmbeddedPostgres(run_dir, fast=True).start().stop()
    env = {
        "CRM_NATS_URL": "",  # empty: the launcher starts its own servers
        "CRM_DATABASE_URL": "",
        "CRM_DATA_DIR": str(tmp_path / "data"),
        "CRM_RUN_NATS_PORT": str(free_port()),
        "CRM_RUN_PG_PORT": str(free_port()),
    }
    launcher = Launcher(tmp_path, [("a-service", "svc_a", free_port())], env)
    try:
        logs = (run_dir / "pg.log", run_dir / "nats.log")
        launcher.wait_for(UP, timeout=240, logs=logs)
        _banner_has_the_credentials(launcher.output, env)
        postmaster = psutil.Process(int((run_dir / "pg" / "postmaster.pid").read_text().split()[0]))
        started = psutil.Process(launcher.proc.pid).children(recursive=True)
        everything = [*started, postmaster, *postmaster.children(recursive=True)]
        names = {p.name() for p in everything}
        assert {"nats-server", "postgres"} <= names, names
        launcher.proc.send_signal(signal.SIGKILL)
        launcher.proc.wait(10)
        _, alive = psutil.wait_procs(everything, timeout=30)
        assert not alive, f"left behind: {alive}"
    finally:
        launcher.proc.kill()


def _banner_has_the_credentials(out: str, env: dict[str, str]) -> None:
    """The banner gives the operator's NATS URL and the database's, with the passwords made
    for them, and `crm` and `python -m gateway tokens` find the same by themselves."""
    from crm_cli.ui import dev_nats_url
    from gateway.entrypoints.cli import dev_database_url

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        cli_url, db_url = dev_nats_url(), dev_database_url()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    port = env["CRM_RUN_NATS_PORT"]
    assert cli_url.startswith("nats://crm-cli:") and cli_url.endswith(f"@127.0.0.1:{port}")
    assert f"  NATS         {cli_url}  (мониторинг" in out, out
    assert db_url.startswith("postgresql://postgres:") and "@127.0.0.1:" in db_url
    assert f"  PostgreSQL   {db_url}\n" in out, out
    # The embedded servers' own lines (their start, its time) are Russian like the rest.
    assert "запускаю встроенные серверы (данные в " in out, out
    assert re.search(r"встроенные серверы запущены за \d+(,\d)? с\n", out), out
    assert english(out) == [], out
