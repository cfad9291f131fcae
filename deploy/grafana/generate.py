"""Writes the Grafana dashboards sales.json and ops.json from the panel lists below.

    python deploy/grafana/generate.py

The JSON files are committed (Grafana provisions them as they are); this script is their
source, so that forty panels stay readable and consistently laid out. A test fails when the
committed JSON differs from what this script writes, and another evaluates every query
against a real Prometheus scraping the running services.

Counting "how many in the selected period" is `total(...)`: counters that carry labels
appear only at their first increment, already at 1, and increase() cannot see that step, so
a series that did not exist at the start of the period counts with its whole value.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "crm-prometheus"}
OUT = Path(__file__).resolve().parent / "dashboards"
RATE = "$__rate_interval"
SERVICES = 'job=~"deal-service|task-service|notifier"'


def total(metric: str, by: str = "") -> str:
    """How much `metric` grew in the dashboard's time range, summed by `by`."""
    m = f"{metric}_total"
    grouping = f"sum by ({by}) " if by else "sum "
    return f"{grouping}((increase({m}[$__range]) and {m} offset $__range) or {m})"


def rate(metric: str, by: str) -> str:
    """Per-second rate of a counter, summed by `by`."""
    return f"sum by ({by}) (rate({metric}_total[{RATE}]))"


def quantile(q: float, histogram: str, by: str = "") -> str:
    """The q-quantile of a histogram over the rate interval."""
    labels = f"{by}, le" if by else "le"
    return f"histogram_quantile({q}, sum by ({labels}) (rate({histogram}_bucket[{RATE}])))"


def panel(
    kind: str,
    title: str,
    description: str,
    targets: list[tuple[str, str]],
    *,
    w: int = 12,
    h: int = 8,
    unit: str = "short",
    decimals: int | None = None,
) -> dict[str, Any]:
    """One panel; `targets` are (expr, legend) pairs. Stat, bar gauge and table panels ask
    for one value per series (instant queries); time series for a range."""
    instant = kind in {"stat", "bargauge", "table"}
    defaults: dict[str, Any] = {"unit": unit, "noValue": "0"}
    if decimals is not None:
        defaults["decimals"] = decimals
    if kind == "timeseries":
        defaults["custom"] = {"drawStyle": "line", "fillOpacity": 10, "lineWidth": 1}
    reduce = {"calcs": ["lastNotNull"], "fields": "", "values": False}
    options: dict[str, Any] = {
        "stat": {"reduceOptions": reduce, "colorMode": "value", "graphMode": "none"},
        "bargauge": {"reduceOptions": reduce, "orientation": "horizontal", "displayMode": "basic"},
        "timeseries": {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "table": {"showHeader": True},
    }[kind]
    result: dict[str, Any] = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "gridPos": {"w": w, "h": h},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
                "instant": instant,
                "range": not instant,
                **({"format": "table"} if kind == "table" else {}),
            }
            for i, (expr, legend) in enumerate(targets)
        ],
    }
    if kind == "table":
        # Several queries of one table are joined on their labels into one row per series.
        merge = [{"id": "merge", "options": {}}] if len(targets) > 1 else []
        result["transformations"] = [
            *merge,
            {"id": "organize", "options": {"excludeByName": {"Time": True}}},
        ]
    return result


# One panel per call, laid out by hand for reading.
# fmt: off
SALES = [
    panel("stat", "Leads received", "Leads that arrived in the period, every source.",
          [(total("crm_leads_received"), "leads")], w=6, h=5, decimals=0),
    panel("stat", "Deals created", "Deals opened in the period, from leads and by hand.",
          [(total("crm_deals_created"), "deals")], w=6, h=5, decimals=0),
    panel("stat", "Deals won", "Deals moved to WON in the period.",
          [(total("crm_deals_won"), "won")], w=6, h=5, decimals=0),
    panel("stat", "Revenue", "Sum of the deals won in the period, per currency.",
          [(total("crm_won_amount", "currency"), "{{currency}}")], w=6, h=5, decimals=2),
    panel("bargauge", "Funnel: deals entering each stage",
          "NEW_LEAD is every deal created; every other stage counts the moves into it.",
          [('label_replace(' + total("crm_deals_created") + ', "to_stage", "NEW_LEAD", "", "")',
            "{{to_stage}}"),
           (total("crm_stage_transitions", "to_stage"), "{{to_stage}}")], h=10, decimals=0),
    panel("table", "Overdue tasks by manager",
          "Per manager: tasks that went overdue in the period (Value #A) and tasks open past "
          "their deadline right now (Value #B); the reasons are in the tasks' comments "
          "(crm task show).",
          [(total("crm_tasks_overdue", "responsible_id"), ""),
           ("max by (responsible_id) (crm_overdue_open_tasks)", "")], h=10, decimals=0),
    panel("table", "Sales in the period by manager",
          "Sum of the deals won in the period (by the time they were won), per responsible "
          "manager and currency, side by side.",
          [(total("crm_won_amount_by_responsible", "responsible_id, currency"), "")],
          w=24, decimals=2),
    panel("bargauge", "Open tasks by stage", "Tasks open right now ('rop': the free plan's "
          "task to name a sales head).",
          [("max by (stage) (crm_open_tasks)", "{{stage}}")], w=8, decimals=0),
    panel("bargauge", "Leads by source", "Where the period's leads came from.",
          [(total("crm_leads_received", "source"), "{{source}}")], w=8, decimals=0),
    panel("bargauge", "Moves refused, by reason",
          "Moves the funnel rules stopped: missing fields, transitions not allowed.",
          [(total("crm_moves_refused", "reason"), "{{reason}}")], w=8, decimals=0),
    panel("table", "Stage moves, from → to", "Every kind of move made in the period.",
          [(total("crm_stage_transitions", "from_stage, to_stage"), "")], decimals=0),
    panel("timeseries", "Overdue tasks over time, by manager",
          "Tasks going overdue per hour.",
          [(f"3600 * {rate('crm_tasks_overdue', 'responsible_id')}", "{{responsible_id}}")]),
    panel("timeseries", "Revenue over time", "Won amount per hour, per currency.",
          [(f"3600 * {rate('crm_won_amount', 'currency')}", "{{currency}}")], w=24),
]

OPS = [
    panel("stat", "Services up", "1: Prometheus scrapes the service; 0: it does not answer.",
          [(f"up{{{SERVICES}}}", "{{job}} {{instance}}")], w=24, h=4, decimals=0),
    panel("timeseries", "Leads received / s", "Throughput of the lead intake, by source.",
          [(rate("crm_leads_received", "source"), "{{source}}")], w=8, unit="reqps"),
    panel("timeseries", "Events published / s", "Outbox relay output, by service.",
          [(rate("crm_events_published", "job"), "{{job}}")], w=8, unit="reqps"),
    panel("timeseries", "Messages consumed / s", "Acknowledged by each durable consumer.",
          [(rate("crm_messages_consumed", "consumer"), "{{consumer}}")], w=8, unit="reqps"),
    panel("timeseries", "Lead → task latency",
          "From a deal's creation to its first task being opened.",
          [(quantile(q, "crm_lead_to_task_seconds"), f"p{round(q * 100)}")
           for q in (0.5, 0.95, 0.99)], unit="s"),
    panel("timeseries", "Command handling time (FastStream), p95",
          "Request/reply handlers, from receipt to reply.",
          [(quantile(0.95, "faststream_received_processed_messages_duration_seconds", "handler"),
            "{{handler}}")], unit="s"),
    panel("timeseries", "Outbox backlog", "Rows waiting to be published, per service.",
          [("max by (job) (crm_outbox_backlog)", "{{job}}")], w=8),
    panel("timeseries", "Outbox oldest row age", "Alert CrmOutboxBacklogOld above 60 s.",
          [("max by (job) (crm_outbox_oldest_age_seconds)", "{{job}}")], w=8, unit="s"),
    panel("timeseries", "Outbox publish failures / s", "Relay passes that failed and retry.",
          [(rate("crm_outbox_publish_failures", "job"), "{{job}}")], w=8, unit="reqps"),
    panel("timeseries", "Dead letters", "Messages sent to crm.dlq.<service>, per interval.",
          [(f"sum by (consumer, reason) (increase(crm_dead_letters_total[{RATE}]))",
            "{{consumer}} {{reason}}")], w=8),
    panel("timeseries", "Redeliveries / s", "Messages received again after a failure.",
          [(rate("crm_redeliveries", "consumer"), "{{consumer}}")], w=8, unit="reqps"),
    panel("timeseries", "Handler retries / s",
          "Batches negatively acknowledged; 'transient' = database or bus down.",
          [(rate("crm_handler_retries", "consumer, reason"), "{{consumer}} {{reason}}")],
          w=8, unit="reqps"),
    panel("timeseries", "Requests / s (FastStream)", "Commands and queries received.",
          [(rate("faststream_received_messages", "handler"), "{{handler}}")], w=8,
          unit="reqps"),
    panel("timeseries", "Requests by status (FastStream)", "acked, nacked, rejected, error.",
          [(rate("faststream_received_processed_messages", "status"), "{{status}}")], w=8,
          unit="reqps"),
    panel("timeseries", "Command outcomes / s", "ok, or the error code of the reply.",
          [(rate("crm_commands", "outcome"), "{{outcome}}")], w=8, unit="reqps"),
    panel("timeseries", "Consumer batch size (mean)", "Messages handled per transaction.",
          [(f"sum by (consumer) (rate(crm_consumer_batch_size_sum[{RATE}])) / "
            f"sum by (consumer) (rate(crm_consumer_batch_size_count[{RATE}]))",
            "{{consumer}}")], w=8),
    panel("timeseries", "Notifications / s", "By channel and outcome (bus, webhook, email).",
          [(rate("crm_notifications", "channel, outcome"), "{{channel}} {{outcome}}")],
          w=8, unit="reqps"),
    panel("timeseries", "Overdue detection lag, p95", "How late after its deadline a task "
          "was reported.", [(quantile(0.95, "crm_overdue_lag_seconds"), "p95")], w=8, unit="s"),
    panel("timeseries", "Notifier queues", "Deadlines being watched and deliveries pending.",
          [("max(crm_deadlines_watched)", "deadlines watched"),
           ("max(crm_deliveries_pending)", "deliveries pending")], w=24),
]
# fmt: on


def dashboard(uid: str, title: str, panels: list[dict[str, Any]], since: str) -> dict[str, Any]:
    """A dashboard with `panels` laid out left to right, wrapping at Grafana's 24 columns."""
    x = y = row_height = 0
    placed = []
    for number, p in enumerate(panels, start=1):
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > 24:
            x, y, row_height = 0, y + row_height, 0
        placed.append({**p, "id": number, "gridPos": {"x": x, "y": y, "w": w, "h": h}})
        x, row_height = x + w, max(row_height, h)
    return {
        "uid": uid,
        "title": title,
        "tags": ["crm"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "1m",
        "time": {"from": since, "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": placed,
    }


def render() -> dict[str, str]:
    """File name → JSON text of each dashboard."""
    boards = {
        "sales.json": dashboard("crm-sales", "CRM: sales head (РОП)", SALES, "now-7d"),
        "ops.json": dashboard("crm-ops", "CRM: operations", OPS, "now-3h"),
    }
    return {name: json.dumps(b, ensure_ascii=False, indent=2) + "\n" for name, b in boards.items()}


if __name__ == "__main__":
    for name, text in render().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}", file=sys.stderr)
