"""`make run`'s launcher as a process for the e2e tests: small stand-in services (packages
written into a temporary folder that serve /healthz and record what happened to them) and the
launcher itself, its output in a file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from crm_shared.devstack import DevStack

UP = "CRM запущена: все сервисы готовы"
"""The banner's first line: every service answered ready."""

SERVICE_MAIN = """
import http.server, json, os, pathlib, signal, sys, threading, time
out = pathlib.Path(os.environ["DUMMY_OUT"])
name = __spec__.parent
if sys.argv[1:] == ["migrate"]:
    (out / f"{name}.migrated").write_text(os.environ["CRM_DATABASE_URL"])
    print(f"{name}: alembic says hello", file=sys.stderr)
    sys.exit(MIGRATE_RC)
with (out / f"{name}.starts").open("a") as starts:
    starts.write("start\\n")
first = (out / f"{name}.starts").read_text().count("start") == 1
exit_code, once = EXIT_CODE, ONCE
if exit_code is not None and (first or not once):
    time.sleep(0.5)
    sys.exit(exit_code)

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        waiting = (out / f"{name}.waiting").exists()
        self.send_response(503 if waiting else 200)
        self.end_headers()
        self.wfile.write(json.dumps({"nats": "connecting" if waiting else "ok"}).encode())
    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", int(os.environ["CRM_METRICS_PORT"])), Health)
threading.Thread(target=server.serve_forever, daemon=True).start()
def bye(*_):
    (out / f"{name}.stopped").write_text(os.environ["CRM_METRICS_PORT"])
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
while True:
    time.sleep(0.1)
"""


def make_service(
    root: Path,
    package: str,
    *,
    migrate_rc: int = 0,
    exit_code: int | None = None,
    once: bool = False,
) -> None:
    """A stand-in service `package` under `root`: its migration ends with `migrate_rc`; with
    `exit_code` it exits so half a second after each start (`once`: its first start only)."""
    pkg = root / package
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    code = SERVICE_MAIN.replace("MIGRATE_RC", str(migrate_rc))
    code = code.replace("EXIT_CODE", repr(exit_code)).replace("ONCE", repr(once))
    (pkg / "__main__.py").write_text(textwrap.dedent(code))


class Launcher:
    """`crm_shared.devstack.launcher.main(services)` as a process, its output in a file."""

    def __init__(
        self,
        root: Path,
        services: list[tuple[str, str, int]],
        env: dict[str, str],
        cwd: Path | None = None,
    ) -> None:
        self.log = root / "launcher.log"
        code = (
            "import sys; from crm_shared.devstack.launcher import main;"
            f" sys.exit(main({services!r}))"
        )
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code],
                cwd=cwd or root,
                env={**os.environ, "DUMMY_OUT": str(root), "PYTHONPATH": str(root), **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(
        self, text: str, timeout: float = 30.0, logs: tuple[Path, ...] = (), after: str = ""
    ) -> None:
        """Until `text` is printed (after the first `after`, when given); a failure shows the
        launcher's output and the tails of `logs` (the embedded servers' own logs), so a slow
        machine says where it was slow."""
        deadline = time.monotonic() + timeout
        while text not in (self.output.partition(after)[2] if after else self.output):
            assert self.proc.poll() is None, f"launcher exited early:\n{self._story(logs)}"
            assert time.monotonic() < deadline, f"{text!r} never printed:\n{self._story(logs)}"
            time.sleep(0.05)

    def _story(self, logs: tuple[Path, ...]) -> str:
        parts = [self.output]
        for log in logs:
            text = log.read_text(errors="replace") if log.exists() else "(none)"
            parts.append(f"--- {log.name} ---\n" + "\n".join(text.splitlines()[-30:]))
        return "\n".join(parts)

    def finish(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def servers(stack: DevStack) -> dict[str, str]:
    return {"CRM_NATS_URL": stack.nats_url, "CRM_DATABASE_URL": stack.database_url}


def wait_for_file(path: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
