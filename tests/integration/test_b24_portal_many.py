"""10,000 Bitrix24 deals read from a stand-in portal over HTTP (issue 24 §1), as
`crm import bitrix24` reads them: every page of 50 by `start`/`next`, the portal's own
limit reached (its leaky bucket lowered from Bitrix24's 2 a second, and the command's
`--rate` above it, so the suite is not kept for 400 s) and QUERY_LIMIT_EXCEEDED waited out,
every deal made an import command; an expired webhook said so. The import of as many deals
through deal-service is `make bench`'s «deals imported per second» (bench/b24_import.py);
tests/e2e/test_cli_import_bitrix24.py imports through the running services."""

from __future__ import annotations

import pytest

from crm_cli import b24_mapping
from crm_cli.b24_import import read_portal
from crm_cli.b24_portal import Portal
from crm_cli.bus import CliError
from crm_shared.config import load_config
from tests.b24_portal import KEY, Fake, portal_data, serving

DEALS = 10_000


async def test_ten_thousand_deals_read_past_the_portals_limit() -> None:
    fake = Fake(portal_data(DEALS), per_second=100.0, burst=20)
    fake.limited = {("crm.deal.list", 5000)}
    with serving(fake):
        portal = Portal(fake.url, rate=400.0)
        try:
            read = await read_portal(portal)
        finally:
            await portal.close()
        expired = Portal(fake.url.replace(KEY, "0ld0ld0ld0ld0ld0"))
        try:
            with pytest.raises(CliError, match="вебхук") as refused:
                await read_portal(expired)
        finally:
            await expired.close()
    assert refused.value.exit_code == 2 and "INVALID_CREDENTIALS" in str(refused.value)
    assert [d["ID"] for d in read.deals] == [str(100 + i) for i in range(1, DEALS + 1)]
    assert len(read.contacts) == DEALS + 1 and sum(map(len, read.moves.values())) == 2 * DEALS
    pages = [start for _, method, start in fake.calls if method == "crm.deal.list"]
    assert sorted(set(pages)) == list(range(0, DEALS, 50))  # every page of 50, by start/next
    assert pages.count(5000) >= 2  # the refused page asked again
    assert portal.waited == fake.refused > 1  # the portal's limit reached and waited out

    mapping = b24_mapping.plan(load_config(), read.stages, read.users, read.deals, read.userfields)
    mapping["stages"]["PREPARATION"]["to"] = "OFFER_MADE"
    made, skipped = 0, []
    for deal in read.deals:
        try:
            b24_mapping.import_of(
                deal, read.contacts, read.moves.get(deal["ID"], []), mapping, "rop-1"
            )
            made += 1
        except b24_mapping.Skip as skip:
            skipped.append((deal["ID"], skip.code))
    assert made == DEALS - 1 and skipped == [(str(100 + DEALS), "no_contact")]
