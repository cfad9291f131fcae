"""The archive: one uncompressed tar (its parts are compressed already) with `manifest.json`
first, then `db/<schema>.dump`, `streams/<STREAM>.tar.s2` and `.json`, `config/config.yaml`
and `secrets/`. The manifest names every other member with its size and SHA-256."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from crm_cli.backup.failures import Said

FORMAT = 1
MANIFEST = "manifest.json"


class ArchiveError(Said):
    """Not a CRM backup, a damaged one, or one of a format this code does not read."""


def sha256(path: Path) -> str:
    """The file's SHA-256, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def write(target: Path, staging: Path, manifest: dict[str, Any]) -> None:
    """The archive at `target` from the files under `staging`, listed in the manifest."""
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        name = path.relative_to(staging).as_posix()
        files[name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    manifest["files"] = files
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w") as tar:
        raw = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(raw)
        info.mode = 0o600
        tar.addfile(info, io.BytesIO(raw))
        for name in files:
            tar.add(staging / name, arcname=name, recursive=False)
    partial.chmod(0o600)  # it holds password hashes and signing secrets
    partial.replace(target)


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest alone (the archive is not unpacked)."""
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise ArchiveError(f"{archive} — не копия CRM ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"{archive}: формат копии {manifest.get('format')!r}, а не {FORMAT}")
    return manifest


def unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Unpack every member the manifest lists, checking each one's SHA-256."""
    manifest = read_manifest(archive)
    files: dict[str, dict[str, Any]] = manifest["files"]
    with tarfile.open(archive, "r") as tar:
        names = set(tar.getnames()) - {MANIFEST}
        if names != set(files):
            missing = sorted(set(files) - names) or sorted(names - set(files))
            raise ArchiveError(f"{archive}: состав не совпадает с описанием ({missing[:3]})")
        tar.extractall(into, members=[tar.getmember(n) for n in files], filter="data")
    for name, expected in files.items():
        if sha256(into / name) != expected["sha256"]:
            raise ArchiveError(f"{archive}: {name} повреждён (контрольная сумма не совпадает)")
    return manifest
