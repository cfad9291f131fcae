"""The whole system's event API: the AsyncAPI document from the three services' routers.

A tool above the services (it imports each one's request/reply router; no service imports
it), kept in `tools/` rather than `shared/`, so that nothing shared looks down on service
code. `make asyncapi` writes docs/asyncapi.yaml; `faststream docs gen --factory
tools.crm_api:build_app --yaml` (from the repository's root) does the same through FastStream.
"""

from __future__ import annotations

from typing import Any

from faststream import FastStream
from faststream.specification import AsyncAPI

from crm_shared.machinery import asyncapi
from crm_shared.machinery.rpc import Endpoints
from deal_service.entrypoints import rpc as deal
from notifier.entrypoints import rpc as notifier
from task_service.entrypoints import rpc as task


def endpoints() -> list[Endpoints[Any]]:
    """Each service's endpoints (its router, and the events it consumes), as the service itself
    builds them."""
    return [deal.endpoints(), task.endpoints(), notifier.endpoints()]


def build_docs() -> AsyncAPI:
    """The AsyncAPI specification of the whole event API."""
    apis = endpoints()
    return asyncapi.document([api.router for api in apis], [i for api in apis for i in api.inbound])


def build_app() -> FastStream:
    """A FastStream application carrying the specification, for `faststream docs gen`."""
    spec = build_docs()
    return FastStream(spec.brokers[0], specification=spec)


def render() -> str:
    """The document as committed in docs/asyncapi.yaml."""
    return asyncapi.render(build_docs())
