"""The pipeline rules' cross-checks against its stages (part of `CrmConfig`'s validation)."""

from __future__ import annotations

from .pipeline import Pipeline
from .templates import template_problems


def rule_problems(pipeline: Pipeline) -> list[str]:
    """What is wrong in the pipeline's rules: unknown or unfit stages they name, and their
    task templates' problems (one line each, with its path in the file)."""
    problems: list[str] = []
    by_code = {stage.code: stage for stage in pipeline.stages}
    rules = pipeline.rules
    for i, rule in enumerate(rules.required_fields):
        at = f"pipeline.rules.required_fields[{i}].after"
        if (stage := by_code.get(rule.after)) is None:
            problems.append(f"{at}: нет этапа {rule.after!r}")
        elif stage.is_final:
            problems.append(f"{at}: этап {rule.after!r} финальный; укажите активный")
    if rules.contact_attempts is not None:
        at = "pipeline.rules.contact_attempts.stage"
        code = rules.contact_attempts.stage
        if (stage := by_code.get(code)) is None:
            problems.append(f"{at}: нет этапа {code!r} (contact_attempts: null выключает правило)")
        elif stage.kind != "failure":
            problems.append(f"{at}: у этапа {code!r} kind {stage.kind}, а нужен failure")
    if rules.delivery is not None:
        at = "pipeline.rules.delivery.stage"
        code = rules.delivery.stage
        if (stage := by_code.get(code)) is None:
            problems.append(f"{at}: нет этапа {code!r} (delivery: null выключает правило)")
        elif stage.kind != "active":
            problems.append(f"{at}: у этапа {code!r} kind {stage.kind}, а нужен active")
        at = "pipeline.rules.delivery.pickup_from"
        code = rules.delivery.pickup_from
        if (stage := by_code.get(code)) is None:
            problems.append(f"{at}: нет этапа {code!r}")
        elif stage.kind != "active":
            problems.append(f"{at}: у этапа {code!r} kind {stage.kind}, а нужен active")
    rop_task = rules.rop_task
    problems += [f"pipeline.rules.rop_task.title: {p}" for p in template_problems(rop_task.title)]
    problems += [
        f"pipeline.rules.rop_task.description: {p}" for p in template_problems(rop_task.description)
    ]
    return problems
