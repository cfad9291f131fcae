"""`crm import bitrix24` of 10,000 deals (issue 24 §1): deals imported per second, from the
stand-in portal over HTTP (tests/b24_portal.py, its own limit off, the command's rate
raised: Bitrix24's 2 requests a second would make the read alone take 400 s) into
deal-service running as a process. The read (about 800 pages of 50) and the import
(ImportDeal per deal, 20 in flight) are timed apart; the row is the import's rate.
"""

from __future__ import annotations

import argparse
import time

from bench.procs import create_database, service_env
from bench.report import Report
from bench.rules_try import Starter
from crm_cli import b24_mapping
from crm_cli.b24_import import import_deals, read_portal
from crm_cli.b24_portal import Portal
from crm_cli.bus import connected
from crm_cli.ui import config
from crm_shared.devstack import DevStack
from tests.b24_portal import Fake, portal_data, serving


async def run(
    report: Report, args: argparse.Namespace, stack: DevStack, start_services: Starter
) -> None:
    """Read `--b24-deals` deals from the stand-in portal and import them."""
    db = await create_database(stack.database_url, "bench_b24")
    svc = await start_services(
        ["deal-service"], service_env(stack.nats_url, db), "-b24", stack.nats_url_as
    )
    try:
        with serving(Fake(portal_data(args.b24_deals))) as fake:
            portal = Portal(fake.url, rate=1000.0)
            started = time.perf_counter()
            try:
                read = await read_portal(portal)
            finally:
                await portal.close()
            reading = time.perf_counter() - started
        mapping = b24_mapping.plan(config(), read.stages, read.users, read.deals, read.userfields)
        mapping["stages"]["PREPARATION"]["to"] = "OFFER_MADE"
        started = time.perf_counter()
        async with connected(stack.nats_url_as("crm-cli")) as bus:
            done = await import_deals(bus, read, mapping, "rop-1")
        took = time.perf_counter() - started
    finally:
        for s in svc.values():
            s.stop()
    rate = len(done.imported) / took if took else float("nan")
    print(f"  b24 import: read {reading:.1f} s, {len(done.imported):,} deals in {took:.1f} s "
          f"({rate:,.0f}/s), skipped {len(done.skipped)}", flush=True)  # fmt: skip
    report.details["b24_import"] = {
        "deals": args.b24_deals,
        "read_seconds": reading,
        "import_seconds": took,
        "imported": len(done.imported),
        "skipped": len(done.skipped),
    }
    report.add(f"Deals imported per second (crm import bitrix24, {args.b24_deals:,} deals)",
               rate, "deals/s", note=f"read {reading:.0f} s at up to 1000 requests/s")  # fmt: skip
