"""`crm backup` and `crm restore` as an operator types them, on the suite's servers: what a
backup says, and every restore that must be refused (a system that holds data, unless its
database is named; an archive newer than the code; a damaged one) before the one that is
asked for by name (issue 26)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import tarfile
from pathlib import Path
from typing import Any

import asyncpg
import nats
from alembic import command
from typer.testing import CliRunner, Result

from bench.load import LEAD_SUBJECT, lead
from bench.procs import ROOT
from crm_cli.backup import database, failures, streams
from crm_cli.backup.heads import code_head
from crm_cli.main import app
from crm_shared.machinery.db import alembic_config, asyncpg_dsn
from deal_service.bootstrap import MIGRATIONS as DEAL_MIGRATIONS
from tests.locale_support import english

runner = CliRunner()


async def crm(infra: Any, *args: str) -> Result:
    argv = ["--nats", infra.nats_url, *args]
    env = {"COLUMNS": "200", "CRM_NATS_URL": None, "CRM_DATABASE_URL": None}
    return await asyncio.to_thread(lambda: runner.invoke(app, argv, env=env))


def _rewritten(archive: Path, target: Path, change: Any) -> Path:
    """A copy of the archive with its manifest (and members) passed through `change`."""
    with tarfile.open(archive) as src, tarfile.open(target, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            raw = data.read() if data else b""
            raw = change(member.name, raw)
            member.size = len(raw)
            dst.addfile(member, io.BytesIO(raw))
    return target


async def test_backup_then_every_refused_restore_then_an_overwrite(
    clean: Any, tmp_path: Path
) -> None:
    nc = await nats.connect(clean.nats_url)
    await nc.jetstream().publish(LEAD_SUBJECT, lead("cli-backup-1", 1))
    await nc.close()
    database = clean.database_url.rsplit("/", 1)[1]

    made = await crm(clean, "backup", "--database", clean.database_url, "--to", str(tmp_path))
    assert made.exit_code == 0, made.output
    found = re.search(r"копия (\S+\.tar)", made.stdout)
    assert found, made.stdout
    archive = Path(found.group(1))
    assert re.search(r"\d+(,\d)? кБ за \d+(,\d)? с", made.stdout), made.stdout
    assert "CRM_LEADS 1" in made.stdout

    into = ["restore", "--database", clean.database_url]
    refused = await crm(clean, *into, str(archive))
    assert refused.exit_code == 2
    assert "уже есть данные" in refused.output and f"--overwrite {database}" in refused.output

    wrong = await crm(clean, *into, str(archive), "--overwrite", "crm")
    assert wrong.exit_code == 2 and "не её имя" in wrong.output

    def newer(name: str, raw: bytes) -> bytes:
        if name != "manifest.json":
            return raw
        manifest = json.loads(raw)
        manifest["database"]["schemas"]["deal"]["head"] = "f00dfeedbeef"
        return json.dumps(manifest).encode()

    future = _rewritten(archive, tmp_path / "newer.tar", newer)
    refused = await crm(clean, *into, str(future), "--overwrite", database)
    assert refused.exit_code == 2 and "архив новее этого кода" in refused.output

    def damaged(name: str, raw: bytes) -> bytes:
        return raw[:-1] + bytes([raw[-1] ^ 1]) if name == "db/deal.dump" else raw

    broken = _rewritten(archive, tmp_path / "broken.tar", damaged)
    refused = await crm(clean, *into, str(broken), "--overwrite", database)
    assert refused.exit_code == 2 and "db/deal.dump повреждён" in refused.output

    done = await crm(clean, *into, str(archive), "--overwrite", database)
    assert done.exit_code == 0, done.output
    assert re.search(r"схема deal\s+как есть", done.stdout), done.stdout
    assert re.search(r"поток CRM_LEADS\s+сообщений: 1", done.stdout), done.stdout


async def test_restore_into_a_fresh_data_dir_says_how_to_start(clean: Any, tmp_path: Path) -> None:
    made = await crm(clean, "backup", "--database", clean.database_url, "--to", str(tmp_path))
    assert made.exit_code == 0, made.output
    found = re.search(r"копия (\S+\.tar)", made.stdout)
    assert found, made.stdout
    archive = found.group(1)
    # Under the repository, as the suite's servers are: the server user can reach it.
    target = ROOT / ".crm-data" / f"restore-{os.getpid()}"
    argv = ["restore", archive, "--data-dir", str(target)]
    env = {"CRM_NATS_URL": None, "CRM_DATABASE_URL": None}
    try:
        done = await asyncio.to_thread(lambda: runner.invoke(app, argv, env=env))
        assert done.exit_code == 0, done.output
        assert f"CRM_RUN_DATA_DIR={target} make run" in done.stdout
        again = await asyncio.to_thread(lambda: runner.invoke(app, argv, env=env))
        assert again.exit_code == 2 and "уже есть данные" in again.output
    finally:
        shutil.rmtree(target, ignore_errors=True)


async def test_an_older_archive_is_migrated_forward(clean: Any, tmp_path: Path) -> None:
    # The deal schema as revision 0010 left it (its own downgrades: no erasure log, journal
    # or search indexes yet; faking the head alone left 0013's table to collide with).
    config = alembic_config(clean.database_url, DEAL_MIGRATIONS)
    await asyncio.to_thread(command.downgrade, config, "0010")
    made = await crm(clean, "backup", "--database", clean.database_url, "--to", str(tmp_path))
    assert made.exit_code == 0, made.output
    assert "deal (0010)" in made.stdout
    found = re.search(r"копия (\S+\.tar)", made.stdout)
    assert found, made.stdout
    database = clean.database_url.rsplit("/", 1)[1]
    into = ["restore", "--database", clean.database_url, "--overwrite", database]
    done = await crm(clean, *into, found.group(1))
    assert done.exit_code == 0, done.output
    assert re.search(r"схема deal\s+обновлена миграциями \(0010\)", done.stdout), done.stdout
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        head = await conn.fetchval("SELECT version_num FROM deal.alembic_version")
        assert head == code_head("deal_service") != "0010"
        assert await conn.fetchval("SELECT to_regclass('deal.erasures')") is not None
    finally:
        await conn.close()


async def test_a_backup_that_cannot_reach_a_server_says_so_and_leaves_nothing(
    clean: Any, tmp_path: Path
) -> None:
    argv = ["--nats", "nats://127.0.0.1:1", "backup", "--database", clean.database_url]
    result = await asyncio.to_thread(
        lambda: runner.invoke(app, [*argv, "--to", str(tmp_path)], env={"CRM_NATS_URL": None})
    )
    assert result.exit_code != 0 and "копия не снята: нет связи с NATS" in result.output, (
        result.output
    )
    assert not english(re.sub(r"«[^»]*»", " ", result.output)), result.output
    assert not await asyncio.to_thread(os.listdir, tmp_path)


async def test_a_tools_or_servers_refusal_is_a_russian_sentence_quoting_it(
    clean: Any, tmp_path: Path
) -> None:
    """pg_dump's and NATS's own words follow a Russian sentence saying what failed."""
    away = "postgresql://postgres:secret@127.0.0.1:1/crm"
    try:
        await asyncio.to_thread(database.dump, away, "00000003-1", "deal", tmp_path / "d")
    except database.DatabaseError as exc:
        said = str(exc)
    assert said.startswith("не удалось снять дамп схемы: pg_dump ответил «"), said
    assert "127.0.0.1" in said and said.endswith("»")  # pg_dump's own line, quoted

    nc = await nats.connect(clean.nats_url)
    try:
        await streams._api(nc, "STREAM.INFO.NO_SUCH_STREAM")
    except streams.StreamError as exc:
        said = str(exc)
    finally:
        await nc.close()
    assert said.startswith("NATS отказал в запросе STREAM.INFO.NO_SUCH_STREAM: NATS ответил «")
    assert "not found" in said  # the server's words, for the callers that read them

    for sentence in (said, failures.explain(ConnectionRefusedError(111, "Connection refused"))):
        assert not english(re.sub(r"«[^»]*»", " ", sentence)), sentence
