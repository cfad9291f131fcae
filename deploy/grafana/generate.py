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

sys.path.insert(0, str(Path(__file__).resolve().parent))  # promql.py, panels.py beside it
from panels import panel
from promql import (
    MANAGER,
    MANAGER_VARIABLE,
    NONE_YET,
    RATE,
    people,
    quantile,
    rate,
    reasons,
    stages,
    total,
)

OUT = Path(__file__).resolve().parent / "dashboards"
SERVICES = 'job=~"deal-service|task-service|notifier|gateway"'


# One panel per call, laid out by hand for reading.
# fmt: off
SALES = [
    panel("stat", "Лиды", "Лиды, пришедшие за период, из всех источников.",
          [(total("crm_leads_received"), "лиды")], w=6, h=5, decimals=0),
    panel("stat", "Новые сделки", "Сделки, открытые за период: из лидов и вручную.",
          [(total("crm_deals_created"), "сделки")], w=6, h=5, decimals=0),
    panel("stat", "Выигранные сделки", "Сделки, дошедшие за период до «Клиент получил заказ».",
          [(total("crm_deals_won"), "выиграно")], w=6, h=5, decimals=0),
    panel("stat", "Выручка", "Сумма выигранных за период сделок, по валютам.",
          [(total("crm_won_amount", "currency"), "{{currency}}")], w=6, h=5, decimals=2),
    panel("bargauge", "Воронка: сделки, вошедшие в этап",
          "«Новый лид» — все созданные сделки; остальные этапы — переходы в этап за период.",
          [(stages('label_replace(' + total("crm_deals_created")
                   + ', "to_stage", "NEW_LEAD", "", "")', "to_stage"), "{{name}}"),
           (stages(total("crm_stage_transitions", "to_stage"), "to_stage"), "{{name}}")],
          h=10, decimals=0),
    panel("table", "Просроченные задачи по менеджерам",
          "По каждому менеджеру (выбор вверху): задачи, просроченные за период (Value #A), и "
          "открытые задачи с истёкшим сроком сейчас (Value #B); причины — в комментариях задач "
          "(crm task show).",
          [(people(total("crm_tasks_overdue", "responsible_id", MANAGER)), ""),
           (people(f"max by (responsible_id) (crm_overdue_open_tasks{{{MANAGER}}})"), "")],
          h=10, decimals=0, columns={"responsible_id": "id", "name": "Менеджер",
                                     "Value #A": "Просрочено за период",
                                     "Value #B": "Просрочено сейчас"}),
    panel("table", "Засидевшиеся сделки по этапам и менеджерам",
          "Сделки без активности (переход, изменение полей, заметка, попытка связаться, "
          "выполненная задача) дольше порога своего этапа — 80-го перцентиля за 90 дней или "
          "idle_after из настроек (пороги — на странице РОПа): сейчас (Value #A) и ставшие "
          "такими за период (Value #B), по этапу и менеджеру (выбор вверху).",
          [(people(stages(f"max by (stage, responsible_id) (crm_deals_idle{{{MANAGER}}})",
                          "stage", "stage_name")), ""),
           (people(stages(total("crm_deals_gone_idle", "stage, responsible_id", MANAGER),
                          "stage", "stage_name")), "")],
          w=24, decimals=0, columns={"responsible_id": "id", "name": "Менеджер",
                                     "stage": "этап (код)", "stage_name": "Этап",
                                     "Value #A": "Засиделись сейчас",
                                     "Value #B": "Засиделись за период"}),
    panel("table", "Продажи за период по менеджерам",
          "Сумма выигранных за период сделок (по моменту выигрыша) по ответственному менеджеру "
          "(выбор вверху) и валюте.",
          [(people(total("crm_won_amount_by_responsible", "responsible_id, currency", MANAGER)),
            "")], w=24, decimals=2, columns={"responsible_id": "id", "name": "Менеджер",
                                             "currency": "Валюта", "Value": "Сумма"}),
    panel("bargauge", "Открытые задачи по этапам", "Открытые сейчас задачи (без названия: "
          "задача бесплатного тарифа — назначить РОПа).",
          [(stages("max by (stage) (crm_open_tasks)", "stage"), "{{name}}")], w=8, decimals=0),
    panel("bargauge", "Лиды по источникам", "Откуда пришли лиды за период.",
          [(total("crm_leads_received", "source"), "{{source}}")], w=8, decimals=0),
    panel("bargauge", "Отклонённые переходы по причинам",
          "Переходы, остановленные правилами воронки: не заполнены поля, переход не разрешён.",
          [(reasons(total("crm_moves_refused", "reason")), "{{reason_name}}")], w=8, decimals=0),
    panel("table", "Переходы между этапами: откуда → куда", "Все переходы за период.",
          [(stages(stages(total("crm_stage_transitions", "from_stage, to_stage"), "from_stage",
                          "from_name"), "to_stage", "to_name"), "")], decimals=0,
          columns={"from_stage": "из (код)", "to_stage": "в (код)", "from_name": "Из этапа",
                   "to_name": "В этап", "Value": "Переходов"}),
    panel("timeseries", "Просрочки во времени по менеджерам",
          "Задачи, становящиеся просроченными, в час, по менеджерам (выбор вверху).",
          [(people(f"3600 * sum by (responsible_id) "
                   f"(rate(crm_tasks_overdue_total{{{MANAGER}}}[{RATE}]))"), "{{name}}")]),
    panel("timeseries", "Выручка во времени", "Сумма выигранных сделок в час, по валютам.",
          [(f"3600 * {rate('crm_won_amount', 'currency')}", "{{currency}}")], w=24),
]

OPS = [
    panel("stat", "Services up", "1: Prometheus scrapes the service; 0: it does not answer.",
          [(f"up{{{SERVICES}}}", "{{job}} {{instance}}")], w=24, h=4, decimals=0),
    # The HTTP door (the gateway).
    panel("timeseries", "HTTP leads / s, by source and outcome",
          "crm_intake_total: 'accepted' or the refusal's code (bad_signature, invalid, "
          "forbidden, rate_limited, unavailable ...); 'api' is /api/leads, 'unknown' a source "
          "name no token has. Alert CrmIntakeRefused.",
          [(f"{rate('crm_intake', 'source, outcome')} {NONE_YET}", "{{source}} {{outcome}}")],
          unit="reqps"),
    panel("timeseries", "HTTP 5xx / s, by route", "Answers the gateway failed; alert "
          "CrmGatewayErrors.",
          [(f'sum by (route, status) (rate(crm_http_requests_total{{status=~"5.."}}[{RATE}])) '
            f"{NONE_YET}", "{{route}} {{status}}")], unit="reqps"),
    panel("timeseries", "HTTP 429 / s, by route", "Requests refused for their rate (sign-in "
          "limits, a token's rate); alert CrmRateLimited.",
          [(f'sum by (route) (rate(crm_http_requests_total{{status="429"}}[{RATE}])) '
            f"{NONE_YET}", "{{route}}")], w=8, unit="reqps"),
    panel("timeseries", "Sign-in failures / s", "refused: wrong user or password; throttled: "
          "too many failures. Alert CrmSigninFailures.",
          [(f'sum by (outcome) (rate(crm_signins_total{{outcome!="ok"}}[{RATE}])) {NONE_YET}',
            "{{outcome}}")], w=8, unit="reqps"),
    panel("stat", "Open SSE streams", "Browsers and integrations following /api/events and "
          "/api/notifications right now.", [("sum(crm_sse_clients)", "streams")], w=4,
          decimals=0),
    panel("stat", "Approvals waiting", "Moves waiting for the sales head's approval; alert "
          "CrmApprovalsWaiting.", [("max(crm_approvals_waiting)", "waiting")], w=4,
          decimals=0),
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


def dashboard(
    uid: str,
    title: str,
    panels: list[dict[str, Any]],
    since: str,
    variables: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
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
        "templating": {"list": variables or []},
        "annotations": {"list": []},
        "panels": placed,
    }


def render() -> dict[str, str]:
    """File name → JSON text of each dashboard."""
    boards = {
        "sales.json": dashboard(
            "crm-sales",
            "CRM: руководитель отдела продаж (РОП)",
            SALES,
            "now-7d",
            [MANAGER_VARIABLE],
        ),
        "ops.json": dashboard("crm-ops", "CRM: operations", OPS, "now-3h"),
    }
    return {name: json.dumps(b, ensure_ascii=False, indent=2) + "\n" for name, b in boards.items()}


if __name__ == "__main__":
    for name, text in render().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}", file=sys.stderr)
