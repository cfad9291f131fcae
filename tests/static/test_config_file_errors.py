"""A configuration file that cannot be read as one: bad YAML (with its line and column), a
key given twice, a missing file, an empty or non-mapping document; each said in Russian."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_shared.config import ConfigError, load_config, loads_config


def test_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "crm.yaml"
    path.write_text("plan: standard\nusers: [\n  - id: x\n", "utf-8")
    with pytest.raises(
        ConfigError, match=r"не разбирается как YAML: строка \d+, столбец \d+"
    ) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = tmp_path / "crm.yaml"
    path.write_text("plan: standard\nplan: free\n", "utf-8")
    with pytest.raises(ConfigError, match="ключ 'plan' указан дважды"):
        load_config(path)


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"файл конфигурации не найден: .*nowhere\.yaml"):
        load_config(tmp_path / "nowhere.yaml")
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "gone.yaml"))
    with pytest.raises(ConfigError, match=r"gone.yaml \(из CRM_CONFIG\)"):
        load_config()


@pytest.mark.parametrize(
    ("text", "reason"), [("", "конфигурация пуста"), ("- a\n- b\n", "словарём ключей")]
)
def test_not_a_mapping(text: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        loads_config(text, source="inline.yaml")
