"""An empty list on the command line (a walkthrough): `crm task list --overdue` with nothing
overdue printed a table's borders alone («└───┴────…»), which reads as something broken."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from crm_cli.ui import print_table


def test_a_table_without_rows_is_said_in_words(capsys: Any) -> None:
    table = Table("№", "задача")
    print_table(table, wide=False)
    assert capsys.readouterr().out.strip() == "Ничего не найдено."
    table.add_row("1", "Позвонить")
    print_table(table, wide=False)
    assert "Позвонить" in capsys.readouterr().out
