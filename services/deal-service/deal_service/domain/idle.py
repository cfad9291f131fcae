"""Idle thresholds (issue 24, «засиделась»): how long a deal may sit in an active stage.

Per active stage, the 80th percentile of how long deals stayed there before moving forward
(to a later active stage or the success stage; a loss is not progress) over the last 90
days of stage history, when at least `MIN_SAMPLES` such moves exist; else the stage's
configured `idle_after`; else none (the stage is not watched). The percentile itself is
taken by PostgreSQL over the stays the history keeps (`adapters/idle.py`); this module says
which moves count and which number wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from crm_shared.config import CrmConfig
from crm_shared.contracts.deal import IdleThreshold

WINDOW = timedelta(days=90)
"""How far back the stays are read."""
MIN_SAMPLES = 20
"""Fewer forward moves than this out of a stage: its percentile says too little."""
PERCENTILE = 0.8


def forward_moves(config: CrmConfig) -> list[tuple[str, str]]:
    """Every (from, to) pair that is a move forward out of an active stage: a later active
    stage or the success stage, in pipeline order."""
    stages = config.pipeline.stages
    pairs = []
    for i, origin in enumerate(stages):
        if origin.is_final:
            continue
        pairs += [(origin.code, s.code) for s in stages[i + 1 :] if s.kind != "failure"]
    return pairs


def choose(
    config: CrmConfig, measured: Mapping[str, tuple[int, float | None]]
) -> list[IdleThreshold]:
    """Each active stage's threshold from `measured` (stage → how many forward moves, their
    80th percentile in seconds), in pipeline order."""
    out = []
    for stage in config.pipeline.stages:
        if stage.is_final:
            continue
        samples, p80 = measured.get(stage.code, (0, None))
        if samples >= MIN_SAMPLES and p80 is not None:
            p80 = float(round(p80))  # whole seconds: what a person reads, stable across runs
            out.append(
                IdleThreshold(stage=stage.code, seconds=p80, samples=samples, source="history")
            )
        elif stage.idle_after is not None:
            seconds = stage.idle_after.total_seconds()
            out.append(
                IdleThreshold(stage=stage.code, seconds=seconds, samples=samples, source="config")
            )
        else:
            out.append(
                IdleThreshold(stage=stage.code, seconds=None, samples=samples, source="none")
            )
    return out
