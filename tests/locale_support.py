"""What a person reads holds no English: the Latin words allowed in `crm`'s and the
services' sentences (codes, names, addresses, options, the file's own keys), and the check."""

from __future__ import annotations

import re

ALLOWED = {"CRM", "NATS", "PostgreSQL", "AsyncAPI", "E", "mail", "id", "Id"}
ALLOWED |= {"RUB", "USD", "EUR", "KZT"}
"""Latin a person may read: names (CRM, NATS, PostgreSQL, AsyncAPI, id), «e-mail», currency
codes."""
NAMES = re.compile(
    r"\S+@\S+|\w+://\S+"  # addresses
    r"|`[^`]*`|(?<!\w)--?[a-z][\w-]*"  # a command to type, an option
    r"|\b[A-Z][A-Z_]{2,}\b"  # a stage's code, a variable
    r"|\((?:[a-z]+_)*[a-z]+\)"  # a refusal's code: (not_found), (rop_approval_required)
    r"|[\w-]*\d[\w-]*|\b[0-9a-f]{8}[0-9a-f-]*|[a-z]+-service"  # ids, user ids, a service's name
    r"|\b[a-z_]+\.[a-z_.]+\b"  # a setting of the configuration: webhook.max_attempts
    r"|(?<![\w/])/[\w.@+-]+(?:/[\w.@+-]*)*|\b[\w.-]+(?:/[\w.-]+)*/[\w-]+\.\w+"  # a path
    r"|\bCtrl-[A-Z]\b"  # a key to press
)


CLICK = re.compile(
    r"(?m)<\w+>|\{\w+\}|^│ [a-z][a-z-]* "
    r"|Использование: (?:python -m )?(?:[a-z][\w-]* )+|'[a-z][\w -]*'"
)
"""The command a person typed (in the usage line and the help hint), a type's name (<str>)
and the names of the commands a help page lists."""


def english(text: str) -> list[str]:
    """The Latin words of `text` that are not allowed: a sign of English a person reads."""
    text = NAMES.sub(" ", CLICK.sub(" ", text))
    return [w for w in re.findall(r"[A-Za-z]+", text) if w not in ALLOWED]
