"""The embedded NATS's users: those of deploy/nats/accounts.conf, with passwords made once.

accounts.conf is the one description of who may do what on the bus; the dev stack and the
suite run it as shipped (copied beside the server's own config at each start, so an edit
counts at the next start), with a password per user made once under the data directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from crm_shared.machinery import devrun

ACCOUNTS_ENV = "CRM_NATS_ACCOUNTS"
ADMIN_USER = "crm-admin"
"""The administrator: every right (streams, every consumer). The suite's own client and
the tools of the dev stack connect as it."""
OPERATOR_USER = "crm-cli"
"""The operator's command line, printed in `make run`'s banner."""

# `user: NAME` followed by `password: $VARIABLE` (the form accounts.conf uses throughout).
_USER = re.compile(r"user:\s*([A-Za-z0-9_-]+)\s*,?\s*password:\s*\$([A-Za-z0-9_]+)")


def accounts_conf() -> Path:
    """deploy/nats/accounts.conf of this checkout (or the file CRM_NATS_ACCOUNTS names)."""
    given = os.environ.get(ACCOUNTS_ENV)
    if given:
        return Path(given)
    here = Path(__file__).resolve()
    for root in (*here.parents, Path.cwd()):
        candidate = root / "deploy" / "nats" / "accounts.conf"
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        "не найден deploy/nats/accounts.conf (пользователи NATS стенда): "
        f"запустите из каталога проекта или укажите файл в {ACCOUNTS_ENV}"
    )


def user_variables(text: str) -> dict[str, str]:
    """{user: the environment variable holding its password} of an accounts.conf."""
    return dict(_USER.findall(text))


class NatsUsers:
    """The users of accounts.conf and their passwords, kept in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.source = accounts_conf()
        self.variables = user_variables(self.source.read_text())
        if ADMIN_USER not in self.variables:
            raise RuntimeError(f"в {self.source} нет пользователя {ADMIN_USER}")
        self._passwords: dict[str, str] | None = None

    @property
    def passwords(self) -> dict[str, str]:
        """{user: password}: made once, then read back at every later start."""
        if self._passwords is None:
            kept = devrun.nats_passwords(self.data_dir)
            made = {u: kept.get(u) or devrun.secret() for u in self.variables}
            if made != kept:
                text = json.dumps(made, indent=2) + "\n"
                devrun.write_private(self.data_dir / devrun.NATS_PASSWORDS, text)
            self._passwords = made
        return self._passwords

    def environment(self) -> dict[str, str]:
        """The NATS_<USER>_PASSWORD variables accounts.conf reads."""
        return {var: self.passwords[user] for user, var in self.variables.items()}

    def install(self, conf_dir: Path) -> Path:
        """accounts.conf copied into `conf_dir` (where the server's config includes it)."""
        target = conf_dir / "accounts.conf"
        shutil.copyfile(self.source, target)
        return target
