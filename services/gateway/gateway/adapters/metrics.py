"""The gateway's metrics beside the shared ones."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from crm_shared.machinery.metrics import Metrics


class GatewayMetrics(Metrics):
    """HTTP requests, sign-ins, leads taken in, live-feed clients."""

    def __init__(self) -> None:
        super().__init__("gateway")
        r = self.registry
        self.http_requests = Counter(
            "crm_http_requests", "HTTP requests answered", ["route", "status"], registry=r
        )
        self.http_seconds = Histogram(
            "crm_http_request_seconds",
            "Time to answer an HTTP request",
            ["route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=r,
        )
        self.signins = Counter("crm_signins", "Sign-in attempts", ["outcome"], registry=r)
        self.leads = Counter(
            "crm_gateway_leads", "Leads taken in over HTTP", ["format", "outcome"], registry=r
        )
        # Leads over HTTP per source (an integration's name, "api" for /api/leads, "unknown"
        # for a name no token has: a bounded label set) and outcome: "accepted" or the code
        # of the refusal (bad_signature, invalid, rate_limited, unavailable ...).
        self.intake = Counter(
            "crm_intake", "Leads offered over HTTP, by source and outcome",
            ["source", "outcome"], registry=r,
        )  # fmt: skip
        self.sse_clients = Gauge("crm_sse_clients", "Connected live-feed clients", registry=r)
        self.sse_dropped = Counter(
            "crm_sse_dropped", "Live-feed clients cut off for falling behind", registry=r
        )
