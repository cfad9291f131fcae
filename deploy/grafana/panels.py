"""One Grafana panel as the dashboards' JSON wants it (generate.py lays them out)."""

from __future__ import annotations

from typing import Any

from promql import DATASOURCE


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
    columns: dict[str, str] | None = None,
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
            {
                "id": "organize",
                "options": {"excludeByName": {"Time": True}, "renameByName": columns or {}},
            },
        ]
    return result
