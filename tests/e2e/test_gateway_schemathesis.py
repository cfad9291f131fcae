"""schemathesis over docs/openapi.json against the running gateway and services, once with a
РОП's session and once with a token of every scope: no answer is 5xx, and every answer
matches its documented status, content type and schema. Cases are valid and invalid
(negative: wrong types, missing fields, malformed bodies), whose refusals must be the
documented error shape too.

Kept short in `make test`: 10 generated cases per operation and pass (derandomized, no
example database; CRM_SCHEMATHESIS_EXAMPLES sets how many, and `make faults` runs 100),
each case sent with both credentials. The live feeds (endless SSE streams) are left to the
authorization matrix, and signing out to the end of each run.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from gateway.domain.people import Scope
from tests.gateway_support import PASSWORD, door
from tests.support import Client

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SKIPPED = {"GET /api/events", "GET /api/notifications/events", "DELETE /api/session"}
# argon2 each: few; Bitrix24's address answers a made-up code in the path alike (401)
EXAMPLES = {
    "POST /api/session": 5,
    "GET /rest/{user}/{code}/{method}": 5,
    "POST /rest/{user}/{code}/{method}": 5,
}
MAX_EXAMPLES = int(os.environ.get("CRM_SCHEMATHESIS_EXAMPLES", "10"))


def _fuzz(url: str, auths: list[dict[str, Any]], calls: dict[str, int]) -> list[str]:
    """Every operation's generated cases against `url`, each sent once with every one of
    `auths` (generating the cases is most of the time); the failures, described."""
    schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text()))
    failures: list[str] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the document has an operation schemathesis cannot read: {result}")
            continue
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in SKIPPED:
            continue

        strategy = operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE)

        @settings(
            max_examples=EXAMPLES.get(label, MAX_EXAMPLES),
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            for auth in auths:
                response = case.call(base_url=url, timeout=15, **auth)
                done = f"{case.operation.method.upper()} {case.operation.path}"
                calls[done] = calls.get(done, 0) + 1
                case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # a failed check, with the case that shows it
            failures.append(f"{label}: {str(exc)[:1500]}")
    return failures


async def test_schemathesis_with_a_session_and_with_a_token(clean: Any, client: Client) -> None:
    settings_: dict[str, Any] = {"signin_max_failures_address": 10_000}
    async with door(clean, **settings_) as d, d.as_user("rop-1") as http:
        await client.deal_for("mgr-1", title="Для проверки")
        session = {
            "headers": {"X-CSRF-Token": http.headers["X-CSRF-Token"]},
            "cookies": {"crm_session": http.cookies["crm_session"]},
        }
        token = await d.token(
            "everything",
            [s.value for s in Scope],
            owner="rop-1",
            rate_per_second=10_000,
            burst=10_000,
        )
        bearer = {"headers": {"Authorization": f"Bearer {token.token}"}}
        calls: dict[str, int] = {}
        failures = await asyncio.to_thread(_fuzz, d.url, [session, bearer], calls)
        assert not failures, "\n\n".join(failures)
        operations = sum(len(ops) for ops in json.loads(OPENAPI.read_text())["paths"].values())
        assert len(calls) == operations - len(SKIPPED), calls  # every other one was tried
        assert sum(calls.values()) > 10 * len(calls), calls
        assert PASSWORD  # the session was opened with it (door gives every user PASSWORD)
