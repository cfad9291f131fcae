"""gateway settings: the shared ones plus the HTTP door's own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from crm_shared.machinery.settings import ServiceSettings

NAME = "gateway"
SCHEMA = "gateway"
DEFAULT_METRICS_PORT = 9104
DEFAULT_HTTP_PORT = 8000


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def _networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """`10.0.0.1, 10.1.0.0/16` → the networks (a bare address is a network of one)."""
    return tuple(ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the gateway reads from its environment (docs/gateway.md lists them)."""

    common: ServiceSettings
    http_host: str = "127.0.0.1"
    http_port: int = DEFAULT_HTTP_PORT
    session_seconds: float = 8 * 3600
    # Secure cookies always (behind TLS), or only when X-Forwarded-Proto says https.
    secure_cookies: bool = False
    # The proxies whose X-Forwarded-For / -Proto are believed (addresses or networks).
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    signin_window_seconds: float = 15 * 60
    signin_max_failures_account: int = 5
    signin_max_failures_address: int = 20
    signin_slow_after: int = 10
    signin_delay_seconds: float = 2.0
    max_body_bytes: int = 64 * 1024
    # The Host names the door answers for (`*.example.com`: its subdomains; `*`: any).
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    request_timeout: float = 5.0
    heartbeat_seconds: float = 15.0
    sse_buffer: int = 10_000
    sse_max_replay: int = 10_000
    sse_max_streams: int = 8
    sse_check_seconds: float = 1.0
    token_cache_seconds: float = 5.0
    dev_passwords: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """Read CRM_GATEWAY_* (and the shared CRM_* settings)."""
        env = os.environ.get
        dev = env("CRM_GATEWAY_DEV_PASSWORDS")
        return cls(
            common=ServiceSettings.from_env(DEFAULT_METRICS_PORT),
            http_host=env("CRM_GATEWAY_HOST", "127.0.0.1"),
            http_port=int(env("CRM_GATEWAY_PORT", str(DEFAULT_HTTP_PORT))),
            session_seconds=float(env("CRM_GATEWAY_SESSION_SECONDS", str(8 * 3600))),
            secure_cookies=_flag("CRM_GATEWAY_SECURE_COOKIES"),
            trusted_proxies=_networks(env("CRM_GATEWAY_TRUSTED_PROXIES", "")),
            signin_window_seconds=float(env("CRM_GATEWAY_SIGNIN_WINDOW_SECONDS", "900")),
            signin_max_failures_account=int(env("CRM_GATEWAY_SIGNIN_MAX_FAILURES", "5")),
            signin_max_failures_address=int(env("CRM_GATEWAY_SIGNIN_MAX_FAILURES_ADDRESS", "20")),
            signin_slow_after=int(env("CRM_GATEWAY_SIGNIN_SLOW_AFTER", "10")),
            signin_delay_seconds=float(env("CRM_GATEWAY_SIGNIN_DELAY_SECONDS", "2")),
            allowed_hosts=_names(env("CRM_GATEWAY_ALLOWED_HOSTS", "localhost,127.0.0.1,::1")),
            max_body_bytes=int(env("CRM_GATEWAY_MAX_BODY_BYTES", str(64 * 1024))),
            request_timeout=float(env("CRM_GATEWAY_REQUEST_TIMEOUT", "5")),
            heartbeat_seconds=float(env("CRM_GATEWAY_HEARTBEAT_SECONDS", "15")),
            sse_buffer=int(env("CRM_GATEWAY_SSE_BUFFER", "10000")),
            sse_max_replay=int(env("CRM_GATEWAY_SSE_MAX_REPLAY", "10000")),
            sse_max_streams=int(env("CRM_GATEWAY_SSE_MAX_STREAMS", "8")),
            sse_check_seconds=float(env("CRM_GATEWAY_SSE_CHECK_SECONDS", "1")),
            token_cache_seconds=float(env("CRM_GATEWAY_TOKEN_CACHE_SECONDS", "5")),
            dev_passwords=Path(dev) if dev else None,
        )
