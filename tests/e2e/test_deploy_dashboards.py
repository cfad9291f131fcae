"""A real Prometheus scrapes the running services: every dashboard query returns data.

The three services run in this process on free metrics ports; Prometheus (Debian's package,
/usr/bin/prometheus) gets deploy/prometheus/prometheus.yml with those ports, a 1-second
scrape interval, and the shipped alert rules. The traffic touches every panel: leads, a
refused move, a won deal, a completed task, an overdue task, a dead letter, and a short
database outage (for retries and redeliveries). Then each query of both dashboards is
evaluated through the HTTP API, Grafana's variables replaced as Grafana would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml

from crm_shared.devstack import free_port
from crm_shared.machinery.db import asyncpg_dsn
from tests.configs import config_with
from tests.services import running
from tests.support import Client, eventually

PROMETHEUS = Path("/usr/bin/prometheus")
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
# What Grafana would put in for a short time range on a 1-second scrape interval.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__range": "1h",
    "$__interval": "15s",
    "$manager": ".*",  # the sales board's manager choice, "All"
}

pytestmark = pytest.mark.skipif(
    not PROMETHEUS.is_file(),
    reason="/usr/bin/prometheus not installed (Debian package `prometheus`; .ci/run installs it)",
)


def panel_queries() -> list[tuple[str, str]]:
    """(where, PromQL) of every target of every panel, Grafana variables replaced."""
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text(encoding="utf-8"))
        for panel in board["panels"]:
            for target in panel["targets"]:
                expr = target["expr"]
                for name, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(name, value)
                # ($1 is label_replace's, not Grafana's)
                assert not re.search(r"\$[A-Za-z_]", expr), f"unknown Grafana variable in {expr!r}"
                found.append((f"{path.name} / {panel['title']} / {target['refId']}", expr))
    return found


@contextlib.contextmanager
def prometheus(tmp: Path, ports: dict[str, int]) -> Iterator[str]:
    """Run Prometheus on the shipped configuration pointed at `ports`; yields its URL."""
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(DEPLOY / "prometheus" / "alerts.yml")]
    assert {job["job_name"] for job in config["scrape_configs"]} == set(ports)
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [f"127.0.0.1:{ports[job['job_name']]}"]}]
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            str(PROMETHEUS),
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=log,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


async def query(http: httpx.AsyncClient, expr: str) -> list[dict[str, Any]]:
    """An instant query's result vector; a PromQL error fails the test at once."""
    body = (await http.get("/api/v1/query", params={"query": expr})).json()
    assert body["status"] == "success", (expr, body)
    return list(body["data"]["result"])


async def targets_up(http: httpx.AsyncClient) -> bool:
    try:
        resp = await http.get("/api/v1/targets")
    except httpx.HTTPError:
        return False  # not listening yet
    if resp.status_code != 200:
        return False  # "Service Unavailable" (plain text) until its storage is ready
    active = resp.json()["data"]["activeTargets"]
    return len(active) == 4 and all(t["health"] == "up" for t in active)


def _one_second_new_lead(data: dict[str, Any]) -> None:
    """NEW_LEAD tasks go overdue after a second, and its deals idle after two, so the
    overdue and idle panels get data."""
    data["pipeline"]["stages"][0]["deadline"] = 1
    data["pipeline"]["stages"][0]["idle_after"] = 2


async def traffic(infra: Any, client: Client) -> None:
    """Something for every panel to show."""
    won = await client.publish_lead(source="site", contact={"name": "Ольга"})
    completed = await client.publish_lead(source="phone")
    await client.publish_lead(source="site")  # left alone: its task goes overdue
    deal = await eventually(lambda: client.deal_by_external(won))
    actor = deal["responsible_id"]
    move = {"actor_id": actor, "deal_id": deal["id"]}
    refused = await client.cmd("deal.move", **move, to_stage="OFFER_MADE")
    assert refused["error"]["code"] == "missing_fields", refused
    fields = {"requirements": "20 коробок", "amount": "15000.00", "subject": "Поставка"}
    updated = await client.cmd(
        "deal.update", **move, fields={**fields, "delivery_method": "pickup"}
    )
    assert updated["ok"], updated
    for stage in ("PROCESSING", "PAYMENT_RECEIVED", "WON"):  # WON only after payment
        reply = await client.cmd("deal.move", **move, to_stage=stage)
        assert reply["ok"], reply

    other = await eventually(lambda: client.deal_by_external(completed))
    listed = await eventually(lambda: _tasks(client, other["id"]))
    task = listed[0]
    done = await client.cmd("task.complete", actor_id=task["responsible_id"], task_id=task["id"])
    assert done["ok"], done

    # A message that is not JSON: dead-lettered by deal-service.
    await client.js.publish(
        "crm.lead.received", b"not json", headers={"Nats-Msg-Id": str(uuid.uuid4())}
    )
    await _lead_through_database_outage(infra, client)


async def _tasks(client: Client, deal_id: str) -> list[dict[str, Any]]:
    reply = await client.request("crm.query.task.list", {"actor_id": "rop-1", "deal_id": deal_id})
    return list(reply.get("items") or [])


async def _lead_through_database_outage(infra: Any, client: Client) -> None:
    """The lead consumer fails (transient), naks, gets the lead again, and succeeds."""
    db = infra.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(asyncpg_dsn(infra.stack.database_url))
    try:
        await admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db
        )
        ext = await client.publish_lead(source="site")
        await asyncio.sleep(1.0)
    finally:
        await admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        await admin.close()
    await eventually(lambda: client.deal_by_external(ext), timeout=30)


async def empty_queries(http: httpx.AsyncClient) -> list[str]:
    return [where for where, expr in panel_queries() if not await query(http, expr)]


def _values(result: list[dict[str, Any]], label: str) -> dict[str, float]:
    return {r["metric"].get(label, ""): round(float(r["value"][1]), 6) for r in result}


async def test_every_dashboard_query_returns_data(
    clean: Any, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_OVERDUE_MAX_SLEEP", "0.5")
    monkeypatch.setenv("CRM_TASK_GAUGE_REFRESH", "0.5")  # the overdue-now gauge per manager
    monkeypatch.setenv("CRM_NOTIFIER_GAUGE_REFRESH", "0.5")  # the idle-now gauge
    config = config_with(change=_one_second_new_lead)
    names = ("deal-service", "task-service", "notifier", "gateway")
    async with running(clean, *names, config=config) as services:
        ports = {svc.runtime.name: svc.runtime.metrics_port for svc in services}
        with prometheus(tmp_path, ports) as url:
            async with httpx.AsyncClient(base_url=url, timeout=5) as http:
                await eventually(lambda: targets_up(http), timeout=20, interval=0.2)
                await traffic(clean, client)

                # Rates need two scrapes of a series; the overdue task fires after 1 s.
                for _ in range(40):
                    missing = await empty_queries(http)
                    if not missing:
                        break
                    await asyncio.sleep(0.5)
                assert missing == [], "panels without data:\n" + "\n".join(missing)

                # The period totals count series born inside the period (see generate.py).
                sales = dict(panel_queries())
                won = await query(http, sales["sales.json / Выигранные сделки / A"])
                assert _values(won, "") == {"": 1.0}
                revenue = await query(http, sales["sales.json / Выручка / A"])
                assert _values(revenue, "currency") == {"RUB": 15000.0}
                overdue = await query(
                    http, sales["sales.json / Просроченные задачи по менеджерам / A"]
                )
                assert sum(_values(overdue, "responsible_id").values()) >= 1
                overdue_now = await query(
                    http, sales["sales.json / Просроченные задачи по менеджерам / B"]
                )
                assert set(_values(overdue_now, "responsible_id")) >= {"mgr-1", "mgr-2"}
                by_manager = await query(
                    http, sales["sales.json / Продажи за период по менеджерам / A"]
                )
                [(who, currency, amount)] = [
                    (r["metric"]["responsible_id"], r["metric"]["currency"], float(r["value"][1]))
                    for r in by_manager
                ]
                assert (currency, amount) == ("RUB", 15000.0) and who.startswith("mgr-")
                funnel = await query(
                    http, sales["sales.json / Воронка: сделки, вошедшие в этап / A"]
                )
                assert _values(funnel, "to_stage") == {"NEW_LEAD": 4.0}
                assert _values(funnel, "name") == {"Новый лид": 4.0}  # the stage's name
                refused = await query(
                    http, sales["sales.json / Отклонённые переходы по причинам / A"]
                )
                assert _values(refused, "reason_name") == {"не заполнены поля": 1.0}
                assert all(r["metric"].get("name") for r in by_manager)  # the manager's name

                # The shipped rules load, evaluate, and the dead letter fires its alert.
                rules = (await http.get("/api/v1/rules")).json()["data"]["groups"]
                assert {g["name"] for g in rules} == {
                    "crm-availability",
                    "crm-door",
                    "crm-pipeline",
                    "crm-sales",
                }
                assert all(r["health"] == "ok" for g in rules for r in g["rules"]), rules

                async def dead_letter_alert() -> bool:
                    alerts = (await http.get("/api/v1/alerts")).json()["data"]["alerts"]
                    return any(
                        a["labels"]["alertname"] == "CrmDeadLetters"
                        and a["labels"]["consumer"] == "deal-service-leads"
                        for a in alerts
                    )

                await eventually(dead_letter_alert, timeout=10)
