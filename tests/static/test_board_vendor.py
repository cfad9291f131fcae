"""The board's vendored front-end files are exactly those `make vendor` recorded."""

from __future__ import annotations

import json

from gateway.entrypoints.web.vendor import MANIFEST, PACKAGES, VENDOR, sha256


def test_every_vendored_file_matches_its_checksum_and_pin() -> None:
    manifest = json.loads(MANIFEST.read_text())
    files = manifest["files"]
    pinned = {name: version for name, version, _ in PACKAGES}
    for path, entry in files.items():
        assert sha256(VENDOR / path) == entry["sha256"], f"{path} differs from the manifest"
        assert pinned[entry["package"]] == entry["version"], f"{path} is not the pinned version"
    wanted = {
        f"{name}/{inner.rsplit('/', 1)[-1]}"
        for name, _, inner_paths in PACKAGES
        for inner in inner_paths
    }
    assert set(files) == wanted
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert on_disk == wanted | {"manifest.json"}, "a vendored file is not in the manifest"


def test_every_package_ships_its_licence() -> None:
    files = json.loads(MANIFEST.read_text())["files"]
    for name, _, _ in PACKAGES:
        assert any(p.startswith(f"{name}/LICENSE") for p in files), f"{name} has no licence"
