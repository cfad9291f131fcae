"""The package picture of docs/operations.md ("How it works", linked from the README) says
what import-linter's contracts in pyproject.toml enforce: every package, the layers in their
order, the rooms of a service, and the one import circle still allowed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LINTER: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "importlinter"
]
PICTURE = re.search(
    r"## How it works.*?```\n(.*?)```", (ROOT / "docs/operations.md").read_text(), re.S
)


def _picture() -> str:
    assert PICTURE, "docs/operations.md: no picture under «How it works»"
    return PICTURE.group(1)


def _contracts(kind: str) -> list[dict[str, Any]]:
    return [c for c in LINTER["contracts"] if c["type"] == kind]


def test_every_package_is_in_the_picture() -> None:
    picture = _picture()
    for package in LINTER["root_packages"]:
        assert re.search(rf"\b{package}\b", picture), package


def test_the_layers_are_drawn_in_their_order() -> None:
    picture = _picture()
    for contract in _contracts("layers"):
        layers: list[str] = contract["layers"]
        parent = layers[0].rsplit(".", 1)[0]
        if parent == "crm_shared":  # one line each, top to bottom
            at = [picture.index(f"\n {layer} ") for layer in layers]
            assert at == sorted(at), contract["name"]
        else:  # a service's rooms, one chain for all four
            rooms = " → ".join(layer.rsplit(".", 1)[1] for layer in layers)
            assert rooms in picture, (contract["name"], rooms)
            assert parent in picture


def test_the_forbidden_and_independent_packages_are_named() -> None:
    picture = _picture()
    for contract in _contracts("independence"):
        assert "independent of each other" in picture
        assert all(m in picture for m in contract["modules"])
    domain = next(c for c in _contracts("forbidden") if c["name"] == "Domain code does no I/O")
    assert "domain: no I/O library, no crm_shared.machinery" in picture
    assert "crm_shared.machinery" in domain["forbidden_modules"]


def test_the_circle_still_allowed_is_said() -> None:
    picture = " ".join(_picture().split())
    (acyclic,) = _contracts("acyclic_siblings")
    assert "No import cycles" in picture
    for ignored in acyclic.get("ignore_imports", []):
        assert ignored.replace(" -> ", " → ") in picture, ignored
