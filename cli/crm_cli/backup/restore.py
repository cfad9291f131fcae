"""`crm restore ARCHIVE`: an archive back into empty servers.

Checked first, before anything is written: every member's checksum, each schema's migration
head against this code's (an archive newer than the code is refused; an older one is
restored and migrated forward), and that the servers are empty (a system that holds data
is overwritten only when its database is named: `--overwrite crm`). Then every schema is
restored, the streams are restored and the outbox streams cut at the backup's moment, each
durable consumer is made again at the position it had, and the files are put back.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats

from crm_cli.backup import archive, database, heads, streams
from crm_cli.backup.failures import Said
from crm_cli.backup.take import Step, _no_bar

PACKAGES = database.PACKAGES


class Refused(Said):
    """The restore would lose or mix data, or the code cannot read the archive."""


@dataclass
class Restored:
    """What a restore brought back, for its report."""

    manifest: dict[str, Any]
    seconds: float = 0.0
    schemas: dict[str, str] = field(default_factory=dict)  # schema → "as is" / "migrated"
    streams: dict[str, int] = field(default_factory=dict)  # stream → messages
    dropped: dict[str, int] = field(default_factory=dict)  # stream → messages after the cut
    consumers: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # what → where


def check_versions(manifest: dict[str, Any]) -> dict[str, str]:
    """Each schema: 'same' or 'older'; Refused when any is newer than this code."""
    verdicts: dict[str, str] = {}
    for schema, item in manifest["database"]["schemas"].items():
        if schema not in PACKAGES:
            raise Refused(f"в архиве схема «{schema}», которой этот код не знает")
        verdicts[schema] = heads.compare(PACKAGES[schema], item.get("head"))
    newer = [s for s, v in verdicts.items() if v == "newer"]
    if newer:
        found = ", ".join(f"{s} {manifest['database']['schemas'][s]['head']}" for s in newer)
        raise Refused(
            f"архив новее этого кода ({found}, сделан crm "
            f"{manifest['versions'].get('crm')}): восстановите его той версией, что его сделала"
        )
    return verdicts


async def restore(
    archive_path: Path,
    nats_url: str,
    database_url: str,
    *,
    overwrite: str | None,
    files_dir: Path,
    step: Step = _no_bar,
) -> Restored:
    """Restore into the servers at the URLs; the archive's files go to `files_dir`."""
    began = time.monotonic()
    manifest = archive.read_manifest(archive_path)
    verdicts = check_versions(manifest)
    with tempfile.TemporaryDirectory(prefix="crm-restore-") as tmp:
        parts = Path(tmp)
        advance = step("checking the archive", None)
        await asyncio.to_thread(archive.unpack, archive_path, parts)
        advance(1)
        nc = await nats.connect(
            nats_url, name="crm-restore", connect_timeout=5, max_reconnect_attempts=1
        )
        try:
            await _make_room(nc, database_url, overwrite)
            done = Restored(manifest)
            await _database(database_url, parts, manifest, verdicts, done, step)
            await _streams(nc, parts, manifest, done, step)
        finally:
            await nc.close()
        _files(parts, manifest, files_dir, done)
    done.seconds = time.monotonic() - began
    return done


async def _make_room(nc: nats.NATS, database_url: str, overwrite: str | None) -> None:
    name = await database.database_name(database_url)
    schemas = await database.occupied(database_url)
    busy = await streams.occupied(nc)
    if (schemas or busy) and overwrite != name:
        what = ", ".join([*(f"схема {s}" for s in schemas), *(f"поток {s}" for s in busy)])
        hint = "" if overwrite is None else f" («{overwrite}» для --overwrite — не её имя)"
        raise Refused(
            f"там, куда восстанавливаем, уже есть данные ({what}): восстановление смешало бы две "
            f"системы. Восстановите в пустой каталог данных или замените то, что там есть: "
            f"--overwrite {name}{hint}"
        )
    await database.drop_schemas(database_url)
    await streams.delete_streams(nc)


async def _database(
    url: str,
    parts: Path,
    manifest: dict[str, Any],
    verdicts: dict[str, str],
    done: Restored,
    step: Step,
) -> None:
    schemas = manifest["database"]["schemas"]
    advance = step("PostgreSQL", len(schemas))
    # An archive made before extensions were recorded: the one the deal schema's indexes use.
    extensions = manifest["database"].get("extensions", [{"name": "pg_trgm", "schema": "public"}])
    await database.create_extensions(url, extensions)
    for item in schemas.values():
        await asyncio.to_thread(database.restore, url, parts / item["file"])
        advance(1)
    for schema in schemas:
        if verdicts[schema] == "older":
            env = {"CRM_DATABASE_URL": url}
            await asyncio.to_thread(heads.migrate, PACKAGES[schema], env)
            done.schemas[schema] = "migrated"
        else:
            done.schemas[schema] = "as is"


async def _streams(
    nc: nats.NATS, parts: Path, manifest: dict[str, Any], done: Restored, step: Step
) -> None:
    for name, item in manifest["streams"].items():
        meta = json.loads((parts / item["meta"]).read_text(encoding="utf-8"))
        data = parts / item["file"]
        advance = step(f"stream {name}", float(data.stat().st_size) or None)
        state = await _restore_stream(nc, meta, data, advance)
        cut = item.get("cut_after")
        if cut is not None:
            done.dropped[name] = await streams.cut(nc, name, int(cut))
            state = await streams.stream_state(nc, name)
        done.streams[name] = int(state.get("messages", 0))
    await streams.resume_consumers(nc, manifest["consumers"])
    done.consumers = [
        f"{c['stream']}/{c['name']} продолжит с сообщения № {c['ack_floor'] + 1}"
        for c in manifest["consumers"]
    ]


async def _restore_stream(
    nc: nats.NATS, meta: dict[str, Any], data: Path, advance: Any
) -> dict[str, Any]:
    """A stream just deleted may still be going away on the server: tried for some seconds."""
    for attempt in range(20):
        try:
            return await streams.restore(nc, meta, data, advance)
        except streams.StreamError as exc:
            if attempt == 19 or not ("already in use" in str(exc) or "creating" in str(exc)):
                raise
            await asyncio.sleep(0.2)
    raise AssertionError("unreachable")


def _files(parts: Path, manifest: dict[str, Any], files_dir: Path, done: Restored) -> None:
    files_dir.mkdir(parents=True, exist_ok=True)
    for name in manifest.get("secrets", []):
        target = files_dir / Path(name).name
        shutil.copy2(parts / name, target)
        target.chmod(0o600)
        done.files["secrets"] = target
    config = manifest.get("config")
    if config:
        target = files_dir / "config.yaml"
        shutil.copy2(parts / config["file"], target)
        done.files["config"] = target
