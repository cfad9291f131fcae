"""What `crm import bitrix24` says to a person: its report's counts in Russian plurals, and
its live counters' pace rounded, in Russian, or nothing (not «286286.85874897026», «None»)."""

from __future__ import annotations

import pytest
from rich.progress import Progress, ProgressSample

from crm_cli.b24_report import Rate, Report, show
from crm_shared.locale.formats import number


def test_the_report_counts_deals_in_their_russian_form(capsys: pytest.CaptureFixture[str]) -> None:
    three = {f"deal-{n}": ["subject"] for n in range(3)}
    show(Report(missing=three), False, {})
    said = capsys.readouterr().err
    assert "— 3 сделки (не проверялось" in said and "сделок" not in said
    deleted = {"deal-1": {"deal_id": "d", "title": "Окна", "stage": "NEW_LEAD"}}
    show(Report(missing={"deal-2": ["subject"]}, deleted=deleted), False, {})
    said = capsys.readouterr().err
    assert "— 1 сделка (не проверялось" in said
    assert "удалены в Битрикс24 и оставлены здесь — 1 сделка" in said


def test_a_counter_s_pace_is_rounded_in_russian_or_left_out() -> None:
    shown = Progress(disable=True)
    task = shown._tasks[shown.add_task("стадии", total=None)]
    assert Rate().render(task).plain == ""  # not «None»
    task._progress.extend([ProgressSample(0.0, 0.0), ProgressSample(1.0, 286286.85874897026)])
    assert Rate().render(task).plain == f"{number(286287)} в секунду"  # «286 287»
