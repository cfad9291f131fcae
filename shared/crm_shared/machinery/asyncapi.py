"""The event API as an AsyncAPI document, generated from the services' own routers.

Each service declares, on the `NatsRouter` it runs (`machinery.rpc.Endpoints`), the request
subjects it answers (its subscribers, typed by their command) and the events it emits (its
publishers); beside them, the events it consumes from JetStream (`Inbound`: its durable pull
consumers are no subscribers of that router, so `document` describes them on its own broker,
and nothing runs them). `document` puts it all on a broker that only describes, so the
document cannot drift from the routes. The
package `tools.crm_api` gathers the three services' routers: `make asyncapi` or
`faststream docs gen --factory tools.crm_api:build_app --yaml`; a test fails when the committed
`docs/asyncapi.yaml` is stale.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import yaml
from faststream.nats import NatsBroker, NatsRouter
from faststream.specification import AsyncAPI
from pydantic import BaseModel, create_model

from crm_shared.contracts.base import EventData
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.contracts.refusals import ErrorCode

VERSION = "1.0.0"

REPLY_NOTE = (
    ' Request/reply (core NATS). Reply: {"ok": true, %s} or {"ok": false, "error": {"code", '
    '"message", "missing_fields"?}}; codes: '
    + ", ".join(code.value for code in ErrorCode)  # from the code, never a copy of it
    + "."
)


@functools.cache
def envelope_of(model: type[EventData]) -> type[BaseModel]:
    """The CloudEvent whose `data` is `model`, as a schema; made once a process (pydantic
    builds a model's schema when it is created: every start of a service declared each of
    its events again)."""
    return create_model(
        f"{model.__name__}Event", __base__=CloudEvent, data=(model, ...), __doc__=model.__doc__
    )


def _describe(
    broker: NatsBroker, subject: str, model: type[BaseModel], title: str, doc: str
) -> None:
    async def handler(body: Any) -> None:
        """Described, never run."""

    handler.__annotations__ = {"body": model, "return": None}
    broker.subscriber(subject, title=title, description=doc)(handler)


@dataclass(frozen=True)
class Inbound:
    """An event a service consumes: from JetStream `stream`, with its durable consumer
    `durable` (shared by its replicas); `note` says more than the event's own docstring."""

    model: type[EventData]
    service: str
    stream: str
    durable: str
    note: str = ""

    def describe(self, broker: NatsBroker) -> None:
        """The channel `<subject>:in:<service>`, the event's envelope received."""
        subject = self.model.SUBJECT
        text = self.note or " ".join((self.model.__doc__ or "").split("\n\n")[0].split())
        doc = (
            f"{text} Consumed by {self.service} (JetStream {self.stream}, durable {self.durable})."
        )
        _describe(broker, subject, envelope_of(self.model), f"{subject}:in:{self.service}", doc)


def document(routers: list[NatsRouter], inbound: list[Inbound]) -> AsyncAPI:
    """The AsyncAPI specification of the event API the services with `routers` make, and of
    the events they consume (`inbound`)."""
    broker = NatsBroker("nats://localhost:4222", description="NATS with JetStream")
    for consumed in inbound:
        consumed.describe(broker)
    for router in routers:
        broker.include_router(router)
    return AsyncAPI(
        broker,
        title="Sales-funnel CRM event API",
        version=VERSION,
        description="Events, commands and queries of the CRM (see README.md).",
        schema_version="3.0.0",
    )


def render(spec: AsyncAPI) -> str:
    """The document as YAML text, keys sorted (FastStream's channel order varies per run)."""
    data = yaml.safe_load(spec.to_specification().to_yaml())
    return yaml.safe_dump(data, sort_keys=True, allow_unicode=True, width=100)
