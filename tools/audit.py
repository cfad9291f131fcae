"""`make lint`'s vulnerability check: pip-audit over a lock file, or one line saying why not.

pip-audit asks PyPI's JSON API (pypi.org/pypi/<name>/<version>/json) for the known
vulnerabilities of each locked version. Where that API cannot be reached (offline, or a
network that serves PyPI's package index but not its JSON API: pip-audit then reports every
package as "not found on PyPI" and, without --strict, "No known vulnerabilities found"), this
prints `pip-audit skipped: ...` with the reason and exits 0: nothing was audited, and the
build is not failed for it. Otherwise pip-audit runs with --strict (a package it could not
audit fails the check) and its exit status is the check's.

    python tools/audit.py requirements-dev.lock
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

PROBE = "https://pypi.org/pypi/{name}/{version}/json"
TIMEOUT = 10.0


def first_pin(lock: Path) -> tuple[str, str]:
    """The first `name==version` of a lock file."""
    match = re.search(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", lock.read_text(), re.MULTILINE)
    if match is None:
        raise SystemExit(f"{lock}: no pinned requirement")
    return match[1], match[2]


def unreachable(url: str, timeout: float = TIMEOUT) -> str | None:
    """Why the vulnerability database at `url` cannot be read, or None when it can."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            answer.read(1)
    except urllib.error.HTTPError as exc:
        return f"{url} answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"cannot reach {url}: {reason}"
    return None


def main(argv: list[str]) -> int:
    lock = Path(argv[0] if argv else "requirements-dev.lock")
    name, version = first_pin(lock)
    why = unreachable(PROBE.format(name=name, version=version))
    if why is not None:
        print(f"pip-audit skipped: its vulnerability database is out of reach ({why});")
        print(f"  nothing in {lock} was audited. Run `make audit` where PyPI's JSON API answers.")
        return 0
    command = [
        str(Path(sys.executable).parent / "pip-audit"),
        "--strict",
        "--disable-pip",
        "--progress-spinner=off",
        "--requirement",
        str(lock),
    ]
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
