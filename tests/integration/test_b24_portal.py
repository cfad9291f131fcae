"""Reading a Bitrix24 portal (crm import bitrix24) against a stand-in portal over HTTP:
paging by start/next, at most 2 requests a second, QUERY_LIMIT_EXCEEDED waited out, an
expired webhook a clear error; deals asked for again by id alone; saved pages short of
their total noted."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from crm_cli.b24_deleted import still_there
from crm_cli.b24_portal import Folder, Portal
from crm_cli.bus import CliError
from tests.b24_portal import Fake, portal_data, serving


async def test_pages_of_50_at_most_two_requests_a_second_and_the_limit_waited_out() -> None:
    with serving(Fake(portal_data(120), limited={("crm.deal.list", 50)})) as fake:
        portal = Portal(fake.url)
        try:
            rows = [r async for r in portal.rows("crm.deal.list")]
        finally:
            await portal.close()
    assert [r["ID"] for r in rows] == [str(100 + i) for i in range(1, 121)]
    starts = [start for _, _, start in fake.calls]
    assert starts == [0, 50, 50, 100]  # the refused page asked again
    times = [at for at, _, _ in fake.calls]
    assert all(b - a >= 0.45 for a, b in itertools.pairwise(times))


async def test_an_expired_webhook_is_said_so() -> None:
    with serving(Fake(portal_data(1))) as fake:
        portal = Portal(fake.url.replace("k3yk3y", "old0ld"))
        try:
            with pytest.raises(CliError, match="вебхук") as refused:
                [r async for r in portal.rows("crm.deal.list")]
        finally:
            await portal.close()
    assert refused.value.exit_code == 2 and "INVALID_CREDENTIALS" in str(refused.value)


async def test_saved_answers_are_read_page_after_page(tmp_path: Path) -> None:
    pages = [{"result": [{"ID": "1"}], "next": 50, "total": 2}, {"result": [{"ID": "2"}]}]
    (tmp_path / "crm.deal.list.json").write_text(json.dumps(pages), "utf-8")
    folder = Folder(tmp_path)
    assert [r["ID"] async for r in folder.rows("crm.deal.list")] == ["1", "2"]
    assert [r async for r in folder.rows("user.get")] == []
    assert folder.short == {}
    (tmp_path / "crm.deal.list.json").write_text(json.dumps(pages[:1]), "utf-8")
    assert [r["ID"] async for r in folder.rows("crm.deal.list")] == ["1"]
    assert folder.short == {"crm.deal.list": (1, 2)}  # deleted deals are not looked for


async def test_deals_asked_for_by_id_alone_fifty_a_request() -> None:
    with serving(Fake(portal_data(120))) as fake:
        portal = Portal(fake.url, rate=50)
        try:
            ids = [str(100 + i) for i in range(1, 121)] + ["999", "1000"]
            there = await still_there(portal, ids[::-1])
        finally:
            await portal.close()
    assert there == set(ids[:-2])
    asked = [b for m, b in fake.bodies]
    assert [len(b["filter"]["@ID"]) for b in asked] == [50, 50, 22]
    assert all(b["select"] == ["ID"] for b in asked)
