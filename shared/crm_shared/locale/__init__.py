"""What people read: the one catalogue of sentences and the Russian formats of times,
numbers, money, shares and durations, in the reader's time zone (SPEC: everything a person
reads is Russian and on their clock; everything a program reads is codes and UTC)."""

from .catalogue import (
    GENERAL,
    MOVE_GENERAL,
    field_names,
    form_problems,
    rule_name,
    say,
    source_name,
)
from .formats import (
    amount,
    data_size,
    day,
    day_start,
    duration,
    moment,
    moment_of,
    money,
    next_local,
    number,
    parse_day,
    percent,
    seconds,
    sums,
    today,
)
from .words import count, task_status, word

__all__ = [
    "GENERAL",
    "MOVE_GENERAL",
    "amount",
    "count",
    "data_size",
    "day",
    "day_start",
    "duration",
    "field_names",
    "form_problems",
    "moment",
    "moment_of",
    "money",
    "next_local",
    "number",
    "parse_day",
    "percent",
    "rule_name",
    "say",
    "seconds",
    "source_name",
    "sums",
    "task_status",
    "today",
    "word",
]
