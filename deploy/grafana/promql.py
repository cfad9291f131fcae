"""The PromQL the dashboards are made of (deploy/grafana/generate.py): period totals, rates,
quantiles, the joins that give people and stages their names, and the manager choice."""

from __future__ import annotations

from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "crm-prometheus"}

RATE = "$__rate_interval"
NONE_YET = "or on () vector(0)"  # a 0 while a labelled counter has no series yet (no event)


def total(metric: str, by: str = "", where: str = "") -> str:
    """How much `metric` grew in the dashboard's time range, summed by `by` (`where`: label
    matchers, e.g. the manager variable's)."""
    m = f"{metric}_total{{{where}}}" if where else f"{metric}_total"
    grouping = f"sum by ({by}) " if by else "sum "
    return f"{grouping}((increase({m}[$__range]) and {m} offset $__range) or {m})"


# The sales head reads names, not ids: deal-service exports crm_person_info{responsible_id,
# name, role} and crm_stage_info{stage, name} (value 1, from the configuration), and these
# joins add a `name` label. A series with no name (an id no longer configured) is kept.
MANAGER = 'responsible_id=~"$manager"'
PEOPLE = "max by (responsible_id, name) (crm_person_info)"


def people(expr: str) -> str:
    """`expr` (by responsible_id) with each person's name."""
    named = f"({expr}) * on (responsible_id) group_left (name) {PEOPLE}"
    return f"{named} or on (responsible_id) ({expr})"


def stage_names(label: str, as_label: str = "name") -> str:
    """Stage names keyed by `label` (to_stage, from_stage, stage) as `as_label`."""
    keyed = f'label_replace(crm_stage_info, "{label}", "$1", "stage", "(.*)")'
    if as_label != "name":
        keyed = f'label_replace({keyed}, "{as_label}", "$1", "name", "(.*)")'
    return f"max by ({label}, {as_label}) ({keyed})"


# What a refused move's reason code (ErrorCode) says, for the sales head.
REASONS = {
    "missing_fields": "не заполнены поля",
    "transition_not_allowed": "переход не разрешён",
    "rop_approval_required": "нужно согласие РОПа",
    "forbidden": "нет прав",
    "version_conflict": "сделку изменили раньше",
}


def reasons(expr: str) -> str:
    """`expr` (by reason) with `reason_name`: the reason in Russian, else its code."""
    named = f'label_replace({expr}, "reason_name", "$1", "reason", "(.*)")'
    for code, text in REASONS.items():
        named = f'label_replace({named}, "reason_name", "{text}", "reason", "{code}")'
    return named


def stages(expr: str, label: str, as_label: str = "name") -> str:
    """`expr` (by `label`) with the stage's name as `as_label` (unnamed stages kept)."""
    named = f"({expr}) * on ({label}) group_left ({as_label}) {stage_names(label, as_label)}"
    return f"{named} or on ({label}) ({expr})"


def rate(metric: str, by: str) -> str:
    """Per-second rate of a counter, summed by `by`."""
    return f"sum by ({by}) (rate({metric}_total[{RATE}]))"


def quantile(q: float, histogram: str, by: str = "") -> str:
    """The q-quantile of a histogram over the rate interval."""
    labels = f"{by}, le" if by else "le"
    return f"histogram_quantile({q}, sum by ({labels}) (rate({histogram}_bucket[{RATE}])))"


# The sales dashboard's manager choice: names shown, ids put into the queries (all by default).
MANAGER_VARIABLE: dict[str, Any] = {
    "name": "manager",
    "label": "Менеджер",
    "type": "query",
    "datasource": DATASOURCE,
    "definition": 'query_result(max by (name, responsible_id) (crm_person_info{role="manager"}))',
    "query": {
        "query": 'query_result(max by (name, responsible_id) (crm_person_info{role="manager"}))',
        "refId": "PrometheusVariableQueryEditor-VariableQuery",
    },
    "regex": '/name="(?<text>[^"]+)".*responsible_id="(?<value>[^"]+)"/',
    "includeAll": True,
    "allValue": ".*",
    "multi": True,
    "refresh": 2,
    "sort": 1,
    "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
}
