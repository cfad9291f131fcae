"""deploy/grafana: the dashboards are what generate.py writes, and the provisioning fits them.

Whether every query returns data is test_deploy_dashboards.py's job (a real Prometheus).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
GRAFANA = DEPLOY / "grafana"


def generator() -> ModuleType:
    """deploy/grafana/generate.py (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("crm_dashboards", GRAFANA / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def boards() -> dict[str, dict[str, Any]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((GRAFANA / "dashboards").glob("*.json"))
    }


def test_committed_dashboards_are_current() -> None:
    rendered = generator().render()
    assert set(rendered) == {"sales.json", "ops.json"}
    for name, text in rendered.items():
        committed = (GRAFANA / "dashboards" / name).read_text(encoding="utf-8")
        assert committed == text, f"run `python deploy/grafana/generate.py` ({name} is stale)"


def test_provisioning_points_at_the_dashboards_and_their_datasource() -> None:
    sources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    [source] = sources["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "${CRM_PROMETHEUS_URL}"
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/crm.yml").read_text())
    [provider] = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "${CRM_GRAFANA_DASHBOARDS}"

    uids = set()
    for name, board in boards().items():
        uids.add(board["uid"])
        assert board["panels"], name
        cells: set[tuple[int, int]] = set()
        for panel in board["panels"]:
            where = f"{name} / {panel['title']}"
            assert panel["datasource"]["uid"] == source["uid"], where
            assert panel["targets"] and all(t["expr"] for t in panel["targets"]), where
            assert all(t["datasource"]["uid"] == source["uid"] for t in panel["targets"]), where
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24, where
            mine = {
                (x, y)
                for x in range(pos["x"], pos["x"] + pos["w"])
                for y in range(pos["y"], pos["y"] + pos["h"])
            }
            assert not cells & mine, f"{where} overlaps another panel"
            cells |= mine
    assert len(uids) == 2


def test_period_totals_are_the_expression_promtool_checks() -> None:
    """dashboard_queries_test.yml unit-tests the very expression the sales dashboard uses."""
    spec = yaml.safe_load((DEPLOY / "prometheus" / "dashboard_queries_test.yml").read_text())
    [case] = spec["tests"][0]["promql_expr_test"]
    used = generator().total("crm_tasks_overdue", "responsible_id").replace("$__range", "10m")
    assert " ".join(case["expr"].split()) == " ".join(used.split())
    # The board's expression is that one, narrowed to the chosen managers.
    gen = generator()
    on_board = gen.total("crm_tasks_overdue", "responsible_id", gen.MANAGER)
    assert on_board.replace("{" + gen.MANAGER + "}", "") == gen.total(
        "crm_tasks_overdue", "responsible_id"
    )
    assert json.dumps(on_board)[1:-1] in json.dumps(boards()["sales.json"])


def test_the_sales_board_speaks_russian_and_names_people_and_stages() -> None:
    """Titles in Russian; people and stages joined to their names; a manager choice."""
    board = boards()["sales.json"]
    assert all(any("а" <= c <= "я" for c in p["title"].lower()) for p in board["panels"])
    [variable] = board["templating"]["list"]
    assert variable["name"] == "manager" and variable["allValue"] == ".*"
    exprs = " ".join(t["expr"] for p in board["panels"] for t in p["targets"])
    assert "crm_person_info" in exprs and "crm_stage_info" in exprs
    assert 'responsible_id=~"$manager"' in exprs
