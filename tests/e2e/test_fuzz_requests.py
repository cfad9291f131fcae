"""Arbitrary bytes and arbitrary JSON at every request subject and at crm.lead.received.

Against the real services, in this process: every request is answered within a second with
`ok` true or false, and after the storm a good lead still becomes a deal and a good move
still succeeds (issue 10). Hypothesis draws the bodies: some raw bytes, some any JSON, some
objects with the schema's own field names and wild values, some known killers (deep
nesting, 5,000 digits, NUL, lone surrogates). CRM_FUZZ_EXAMPLES sets how many (a modest
number here; `make faults` runs it with many more).
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from crm_shared.contracts.base import Strict
from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.refusals import ErrorCode
from deal_service.entrypoints.rpc import endpoints as deal_endpoints
from notifier.entrypoints.rpc import endpoints as notifier_endpoints
from task_service.entrypoints.rpc import endpoints as task_endpoints
from tests.services import running
from tests.support import FORGED_CURSORS, Client, eventually

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "150"))
REPLY_WITHIN = 1.0
# `internal` is a bug the service logged, not an answer to bad input: the storm must not find one.
CODES = {code.value for code in ErrorCode} - {ErrorCode.internal.value}


# Every request body the services serve, by subject: from their own Endpoints, so that a
# subject added to a service is in the storm without a list to keep.
REQUESTS: dict[str, type[Strict]] = {
    subject: model
    for api in (deal_endpoints(), task_endpoints(), notifier_endpoints())
    for subject, model in api.requests.items()
}
LEAD = LeadReceived.SUBJECT

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)),
    st.sampled_from(["mgr-1", "rop-1", "NEW_LEAD", "LOST_SPAM", "2026-01-01", "\x00", "\ud800"]),
    st.sampled_from(list(FORGED_CURSORS.values())),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
KILLERS = [
    b"[" * 3000,
    b'{"actor_id": ' + b"9" * 5000 + b"}",
    b'{"actor_id": "mgr-1", "deal_id": "a\\u0000b", "to_stage": "X"}',
    b'{"actor_id": "\\udc00"}',
    b"\xff\xfe\x00",
    b"",
    b"null",
    json.dumps({"from": "0001-01-01T00:00:00+01:00", "to": "2026-01-01"}).encode(),
    *(json.dumps({"actor_id": "rop-1", "cursor": c}).encode() for c in FORGED_CURSORS.values()),
]


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()


def bodies(model: type[BaseModel]) -> st.SearchStrategy[bytes]:
    """Bodies for one subject: its field names with any values, any JSON, any bytes."""
    names = [f.alias or n for n, f in model.model_fields.items()]
    shaped = st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))
    return st.one_of(
        shaped.map(_dump),
        values.map(_dump),
        st.binary(max_size=200),
        st.sampled_from(KILLERS),
    )


SUBJECT_BODIES = st.sampled_from([*REQUESTS, LEAD]).flatmap(
    lambda subject: st.tuples(st.just(subject), bodies(REQUESTS.get(subject, LeadReceived)))
)


async def _answer(client: Client, subject: str, body: bytes) -> dict[str, Any]:
    if subject == LEAD:
        await client.js.publish(subject, body)
        return {"ok": True}
    reply = await client.nc.request(subject, body, timeout=REPLY_WITHIN)
    answer: dict[str, Any] = json.loads(reply.data)
    return answer


def _check(subject: str, body: bytes, reply: dict[str, Any]) -> None:
    assert reply["ok"] in (True, False), reply
    if not reply["ok"]:
        assert reply["error"]["code"] in CODES, (subject, body, reply)


async def test_every_request_is_answered_whatever_its_bytes(clean: Any, client: Client) -> None:
    created = await client.record("crm.deal.created")
    loop = asyncio.get_running_loop()
    async with running(clean, "deal-service", "task-service", "notifier") as services:
        for subject in REQUESTS:  # every subscription is there before the storm
            await client.request(subject, b"{}")
        for subject in REQUESTS:  # every known killer at every subject, then what Hypothesis draws
            for body in KILLERS:
                _check(subject, body, await _answer(client, subject, body))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(SUBJECT_BODIES)
        def storm(case: tuple[str, bytes]) -> None:
            subject, body = case
            reply = asyncio.run_coroutine_threadsafe(_answer(client, subject, body), loop).result()
            _check(subject, body, reply)

        await asyncio.to_thread(storm)

        good = f"after-storm-{uuid.uuid4()}"
        await client.publish_lead(external_id=good)
        await eventually(
            lambda: any(d["deal"]["external_id"] == good for d in created.data("crm.deal.created")),
            timeout=30,
        )
        deal = await client.cmd("deal.create", actor_id="mgr-1", contact={"name": "A"})
        moved = await client.cmd(
            "deal.move", actor_id="mgr-1", deal_id=deal["deal"]["id"], to_stage="LOST_SPAM"
        )
        assert moved["ok"], moved
        assert all(svc.runtime.healthy() for svc in services)  # no loop died on the way
