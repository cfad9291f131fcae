"""What a request's subject says: a command or a query, and which service serves it.

Subjects themselves are written once, as each request model's `SUBJECT`; these are the
words they are made of, for the code that must tell them apart (the CLI's event tail) or
name the service that did not answer (the request client).
"""

from __future__ import annotations

# Whose request a subject is (its second word): for saying which service did not answer.
SERVICE_OF = {
    "deal": "deal-service",
    "analytics": "deal-service",
    "task": "task-service",
    "notify": "notifier",
}
COMMAND_PREFIX = "crm.cmd."
QUERY_PREFIX = "crm.query."


def service_of(subject: str) -> str:
    """The service that serves `subject` (`crm.cmd.deal.move` → deal-service)."""
    parts = subject.split(".")
    return SERVICE_OF.get(parts[2] if len(parts) > 2 else "", "the service")
