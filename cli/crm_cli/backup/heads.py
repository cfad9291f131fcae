"""The migrations' side of a restore: this code's heads, an archive's head against them, and
a service's own `migrate` to bring an older archive forward."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_cli.backup.database import DatabaseError
from crm_cli.backup.failures import quoted

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory


def code_scripts(package: str) -> ScriptDirectory:
    """A service's migrations, found by its package's location (the command line imports no
    service: it only reads the service's alembic directory). alembic is imported here, not
    with the module: it was half of every `crm` command's start (0.7 s)."""
    from alembic.script import ScriptDirectory

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError(f"пакет {package} здесь не установлен")
    return ScriptDirectory(str(Path(next(iter(spec.submodule_search_locations))) / "migrations"))


def code_head(package: str) -> str | None:
    """The head revision this code's migrations reach."""
    return code_scripts(package).get_current_head()


def compare(package: str, archived: str | None) -> str:
    """'same', 'older' (the code migrates it forward) or 'newer' (unknown to this code)."""
    scripts = code_scripts(package)
    if archived == scripts.get_current_head():
        return "same"
    if archived is None:
        return "older"
    try:
        known = scripts.get_revision(archived)
    except Exception:  # alembic: "No such revision or branch"
        known = None
    return "older" if known is not None else "newer"


def migrate(package: str, env: dict[str, Any]) -> None:
    """`python -m <package> migrate`: the service's own migrations, forward to head."""
    done = subprocess.run(
        [sys.executable, "-m", package, "migrate"],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        step = f"не удалось применить миграции {package}"
        raise DatabaseError(quoted(step, "migrate", done.stderr or done.stdout))
