"""The lead intake without FastAPI's request machinery, declared as every other route.

`POST /api/leads` reads its body by hand and takes nothing but the request, so FastAPI's
handling of a route (dependencies solved, the endpoint run in its wrappers) adds nothing
to it but CPU: 41 µs a request against 13 µs for the same endpoint as a Starlette route in
the same application, measured alone (issue 25, docs/benchmarks.md). `lean` puts such a
route, the same endpoint, before all others; FastAPI's stays for the API's document
(and would answer if the lean one were taken away). The application's middleware and
exception handlers are the same for both: a refusal is answered as on any route.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import Match, Route
from starlette.types import Scope


class LeanRoute(Route):
    """A Starlette route that names itself in the scope as FastAPI's do (`Limits` counts
    requests, and the intake its leads, by `scope["route"].path`)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            child["route"] = self
        return match, child


def lean(app: FastAPI, router: APIRouter, paths: frozenset[str]) -> None:
    """Each of `router`'s routes at `paths` (included in `app`) served first by a LeanRoute
    of its endpoint, which must take the request alone."""
    routes = [r for r in router.routes if isinstance(r, APIRoute) and r.path in paths]
    for route in reversed(routes):
        methods = sorted(route.methods or ())
        app.router.routes.insert(0, LeanRoute(route.path, route.endpoint, methods=methods))
