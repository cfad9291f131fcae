"""The whole system's event API: the AsyncAPI document from the three services' routers.

Above the services (it imports each one's request/reply router; no service imports it), so
that `crm_shared` stays free of service code. `make asyncapi` writes docs/asyncapi.yaml;
`faststream docs gen --factory crm_api:build_app --yaml` does the same through FastStream.
"""

from __future__ import annotations

from faststream import FastStream
from faststream.nats import NatsRouter
from faststream.specification import AsyncAPI

from crm_shared.machinery import asyncapi
from deal_service.entrypoints import rpc as deal
from notifier.entrypoints import rpc as notifier
from task_service.entrypoints import rpc as task


def routers() -> list[NatsRouter]:
    """Each service's router, as the service itself builds it."""
    return [deal.endpoints().router, task.endpoints().router, notifier.endpoints().router]


def build_docs() -> AsyncAPI:
    """The AsyncAPI specification of the whole event API."""
    return asyncapi.document(routers())


def build_app() -> FastStream:
    """A FastStream application carrying the specification, for `faststream docs gen`."""
    spec = build_docs()
    return FastStream(spec.brokers[0], specification=spec)


def render() -> str:
    """The document as committed in docs/asyncapi.yaml."""
    return asyncapi.render(build_docs())
