"""Where `make run` keeps the credentials it made, so that its clients find them by themselves.

The dev stack (crm_shared.devstack) makes a password for each NATS user of
deploy/nats/accounts.conf and one for PostgreSQL, once, in its data directory
(`$CRM_RUN_DATA_DIR`, else `$CRM_DATA_DIR/run`, else `./.crm-data/run`), readable by their
owner only. The command line
(`crm`) and `python -m gateway tokens` read them from there when CRM_NATS_URL /
CRM_DATABASE_URL are unset; neither may import the dev stack, so the names live here.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from collections.abc import Mapping
from pathlib import Path

DATA_DIR_ENV = "CRM_DATA_DIR"
RUN_DATA_DIR_ENV = "CRM_RUN_DATA_DIR"
"""`make run`'s own data directory, when not `$CRM_DATA_DIR/run` (a restored archive's)."""
RUN_NATS_PORT_ENV = "CRM_RUN_NATS_PORT"
RUN_PG_PORT_ENV = "CRM_RUN_PG_PORT"
DEFAULT_NATS_PORT = 4322
DEFAULT_PG_PORT = 5532
NATS_PASSWORDS = "nats-passwords.json"
"""{user: password} for every user of accounts.conf, in the data directory."""
PG_PASSWORD = "pg-password"
"""The password of the `postgres` role of the embedded PostgreSQL, in the data directory."""
LOCALHOST = "127.0.0.1"


def data_root(env: Mapping[str, str] | None = None) -> Path:
    """``$CRM_DATA_DIR``, or ``<cwd>/.crm-data`` when that is unset."""
    env = os.environ if env is None else env
    return Path(env.get(DATA_DIR_ENV) or Path.cwd() / ".crm-data")


def run_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data directory of `make run` (its name in the dev stack is "run"), or
    ``$CRM_RUN_DATA_DIR``: where `crm restore` put a system, found by `crm` as the launcher
    finds it."""
    env = os.environ if env is None else env
    given = env.get(RUN_DATA_DIR_ENV)
    return Path(given) if given else data_root(env) / "run"


def secret() -> str:
    """A new password: 32 letters and digits, a letter first. It goes into URLs as it is,
    and nats-server parses a `$VARIABLE`'s value as a config value: one that starts with a
    digit is read as a number (and refused)."""
    first = secrets.choice(string.ascii_letters)
    return first + "".join(secrets.choice(_ALPHABET) for _ in range(31))


_ALPHABET = string.ascii_letters + string.digits


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner may read (created so, never widened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    path.chmod(0o600)


def nats_passwords(data_dir: Path) -> dict[str, str]:
    """The NATS passwords kept in `data_dir` ({} when there are none yet)."""
    try:
        found = json.loads((data_dir / NATS_PASSWORDS).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def pg_password(data_dir: Path) -> str | None:
    """The PostgreSQL password kept in `data_dir`, or None."""
    try:
        return (data_dir / PG_PASSWORD).read_text().strip() or None
    except OSError:
        return None


def nats_url(user: str, port: int, password: str | None) -> str:
    """``nats://user:password@127.0.0.1:port`` (no credentials without a password)."""
    who = f"{user}:{password}@" if password else ""
    return f"nats://{who}{LOCALHOST}:{port}"


def database_url(port: int, password: str | None, database: str = "crm") -> str:
    """``postgresql://postgres:password@127.0.0.1:port/database``."""
    who = f"postgres:{password}" if password else "postgres"
    return f"postgresql://{who}@{LOCALHOST}:{port}/{database}"


def run_nats_url(user: str, env: Mapping[str, str] | None = None) -> str:
    """`make run`'s NATS as `user`, with the password the dev stack made for it."""
    env = os.environ if env is None else env
    port = int(env.get(RUN_NATS_PORT_ENV) or DEFAULT_NATS_PORT)
    return nats_url(user, port, nats_passwords(run_dir(env)).get(user))


def run_database_url(env: Mapping[str, str] | None = None) -> str:
    """`make run`'s database, with the password the dev stack made for it."""
    env = os.environ if env is None else env
    port = int(env.get(RUN_PG_PORT_ENV) or DEFAULT_PG_PORT)
    return database_url(port, pg_password(run_dir(env)))
