"""Settings every service reads from its environment (SPEC §6)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSettings:
    """Where the bus, the database and the configuration are, and the metrics port."""

    nats_url: str
    database_url: str
    config_path: str | None
    metrics_port: int
    metrics_host: str = "127.0.0.1"
    inbox_retention_days: float = 7.0
    # SIGTERM/SIGINT end the process within this many seconds, whatever it was doing.
    stop_timeout: float = 5.0
    # Set by `make run`'s launcher: stop when that process is gone (a fallback for the
    # parent-death signal, which a thread's exit can also send, and which is Linux-only).
    parent_pid: int | None = None

    @classmethod
    def from_env(cls, default_metrics_port: int) -> ServiceSettings:
        """Read CRM_NATS_URL, CRM_DATABASE_URL, CRM_CONFIG, CRM_METRICS_PORT/HOST,
        CRM_INBOX_RETENTION_DAYS (0: keep the inbox for ever), CRM_STOP_TIMEOUT_SECONDS and
        CRM_PARENT_PID."""
        parent = os.environ.get("CRM_PARENT_PID")
        return cls(
            nats_url=os.environ.get("CRM_NATS_URL", "nats://127.0.0.1:4222"),
            database_url=os.environ.get(
                "CRM_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/crm"
            ),
            config_path=os.environ.get("CRM_CONFIG") or None,
            metrics_port=int(os.environ.get("CRM_METRICS_PORT", default_metrics_port)),
            # 0.0.0.0 in containers, so that Prometheus in another container can scrape.
            metrics_host=os.environ.get("CRM_METRICS_HOST", "127.0.0.1"),
            inbox_retention_days=float(os.environ.get("CRM_INBOX_RETENTION_DAYS", "7")),
            stop_timeout=float(os.environ.get("CRM_STOP_TIMEOUT_SECONDS", "5")),
            parent_pid=int(parent) if parent else None,
        )
