"""`crm backup`: the whole system at one moment, while it runs.

The order is what makes the parts agree (docs/operations.md#backup-and-restore):
1. each durable consumer's ack floor (everything up to it is in the database already);
2. the moment: outboxes locked for milliseconds, a snapshot exported, the outbox streams'
   last sequences read (the cut), the lock let go; every schema dumped at that snapshot;
3. the streams' snapshots, after the dump, so that they hold every event the dump's outboxes
   had published and every lead acknowledged until then.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import asyncpg
import nats

from crm_cli.backup import archive, database, streams
from crm_shared.config.loader import CONFIG_ENV_VAR
from crm_shared.machinery.db import asyncpg_dsn

DEV_PASSWORDS = "gateway-dev-passwords.json"

# (what, total or None) → advance(amount): the progress bar's hook; `None` shows nothing.
Step = Callable[[str, float | None], Callable[[float], None]]


@dataclass(frozen=True)
class Taken:
    """What `crm backup` made: where, how big, how long, and its manifest."""

    path: Path
    size: int
    seconds: float
    manifest: dict[str, Any]


def _no_bar(what: str, total: float | None) -> Callable[[float], None]:
    return lambda amount: None


def config_text(env: dict[str, str]) -> tuple[str, str]:
    """The configuration in use (`CRM_CONFIG`, else the packaged default): (source, text)."""
    path = env.get(CONFIG_ENV_VAR)
    if path:
        return path, Path(path).read_text(encoding="utf-8")
    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    return "default", text


async def take(
    nats_url: str,
    database_url: str,
    to_dir: Path,
    *,
    data_dir: Path | None,
    env: dict[str, str],
    step: Step = _no_bar,
) -> Taken:
    """Make the archive in `to_dir`; `data_dir` is the dev stack's (its password file)."""
    began = time.monotonic()
    stamp = datetime.now(UTC)
    nc = await nats.connect(
        nats_url, name="crm-backup", connect_timeout=5, max_reconnect_attempts=1
    )
    target, staging = _prepare(to_dir, stamp)
    try:
        manifest = await _parts(nc, database_url, staging, step)
    except BaseException:  # a half-made backup leaves nothing behind
        await asyncio.to_thread(shutil.rmtree, staging, True)
        raise
    finally:
        await nc.close()
    manifest["created_at"] = stamp.isoformat().replace("+00:00", "Z")
    manifest["versions"]["crm"] = metadata.version("crm-funnel")
    size = await asyncio.to_thread(_finish, target, staging, manifest, data_dir, env)
    return Taken(target, size, time.monotonic() - began, manifest)


def _prepare(to_dir: Path, stamp: datetime) -> tuple[Path, Path]:
    """The archive's path and an empty folder beside it for its parts."""
    to_dir.mkdir(parents=True, exist_ok=True)
    target = to_dir / f"crm-backup-{stamp.strftime('%Y%m%dT%H%M%SZ')}.tar"
    staging = to_dir / f".{target.name}.parts"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "db").mkdir(parents=True)
    (staging / "streams").mkdir()
    return target, staging


def _finish(
    target: Path,
    staging: Path,
    manifest: dict[str, Any],
    data_dir: Path | None,
    env: dict[str, str],
) -> int:
    """The configuration and the secrets beside the parts, then the archive; its size."""
    source, text = config_text(env)
    (staging / "config").mkdir()
    (staging / "config" / "config.yaml").write_text(text, encoding="utf-8")
    manifest["config"] = {"source": source, "file": "config/config.yaml"}
    manifest["secrets"] = _secrets(data_dir, staging)
    try:
        archive.write(target, staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target.stat().st_size


async def _parts(nc: nats.NATS, database_url: str, staging: Path, step: Step) -> dict[str, Any]:
    names = await streams.stream_names(nc)
    consumers = await streams.positions(nc, names)
    outbox_streams = [n for n in streams.OUTBOX_STREAMS if n in names]

    async def read_cuts() -> dict[str, int]:
        return {n: int((await streams.stream_state(nc, n))["last_seq"]) for n in outbox_streams}

    schemas: dict[str, Any] = {}
    extensions: list[dict[str, str]] = []
    async with database.moment(database_url, read_cuts) as moment:
        extensions = moment.extensions
        advance = step("PostgreSQL", len(moment.schemas))
        for schema in moment.schemas:
            file = staging / "db" / f"{schema}.dump"
            await asyncio.to_thread(database.dump, database_url, moment.snapshot, schema, file)
            schemas[schema] = {"head": moment.heads.get(schema), "file": f"db/{schema}.dump"}
            advance(1)
    saved: dict[str, Any] = {}
    for name in names:
        state = await streams.stream_state(nc, name)
        advance = step(f"stream {name}", float(state.get("bytes") or 0) or None)
        file = staging / "streams" / f"{name}.tar.s2"
        with open(file, "wb") as out:  # noqa: ASYNC230 (small chunks, written as they come)
            meta = await streams.snapshot(nc, name, out, advance)
        _write(staging / "streams" / f"{name}.json", _json(meta))
        saved[name] = {
            "file": f"streams/{name}.tar.s2",
            "meta": f"streams/{name}.json",
            "messages": int(meta["state"].get("messages", 0)),
            "first_seq": int(meta["state"].get("first_seq", 0)),
            "last_seq": int(meta["state"].get("last_seq", 0)),
            "cut_after": moment.cuts.get(name),
        }
    return {
        "format": archive.FORMAT,
        "versions": {
            "postgres": await _pg_version(database_url),
            "nats": nc.connected_server_version.__str__(),
        },
        "database": {
            "name": await database.database_name(database_url),
            "schemas": schemas,
            "extensions": extensions,
        },
        "streams": saved,
        "consumers": consumers,
    }


def _secrets(data_dir: Path | None, staging: Path) -> list[str]:
    """The dev stack's password file (the other secrets are rows of the gateway schema)."""
    if data_dir is None or not (data_dir / DEV_PASSWORDS).exists():
        return []
    (staging / "secrets").mkdir()
    shutil.copy2(data_dir / DEV_PASSWORDS, staging / "secrets" / DEV_PASSWORDS)
    return [f"secrets/{DEV_PASSWORDS}"]


async def _pg_version(url: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        version: str = await conn.fetchval("SHOW server_version")
        return version
    finally:
        await conn.close()


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
