"""gateway settings: the shared ones plus the HTTP door's own."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from crm_shared.machinery.settings import EnvSettings, ServiceSettings

NAME = "gateway"
SCHEMA = "gateway"
DEFAULT_METRICS_PORT = 9104
DEFAULT_HTTP_PORT = 8000


def _env(name: str) -> str:
    return f"CRM_GATEWAY_{name}"


Network = IPv4Network | IPv6Network


def _networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.1, 10.1.0.0/16` → the networks (a bare address is a network of one)."""
    networks = []
    for part in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ip_network(part, strict=False))
        except ValueError:
            # The operator reads it (SettingsError): Russian, not ipaddress's English.
            raise ValueError(
                f"{part!r} не похоже на адрес или сеть IPv4/IPv6 (например, 10.1.0.0/16)"
            ) from None
    return tuple(networks)


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


class Settings(EnvSettings):
    """Everything the gateway reads from its environment, CRM_GATEWAY_* (docs/gateway.md
    lists them) and the shared CRM_* settings. A flag is 1/true/yes/on or 0/false/no/off."""

    common: ServiceSettings
    http_host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    http_port: int = Field(DEFAULT_HTTP_PORT, ge=0, le=65535, validation_alias=_env("PORT"))
    session_seconds: float = Field(8 * 3600, gt=0, validation_alias=_env("SESSION_SECONDS"))
    # Secure cookies always (behind TLS), or only when X-Forwarded-Proto says https.
    secure_cookies: bool = Field(False, validation_alias=_env("SECURE_COOKIES"))
    # The proxies whose X-Forwarded-For / -Proto are believed (addresses or networks).
    trusted_proxies: Annotated[tuple[Network, ...], NoDecode] = Field(
        (), validation_alias=_env("TRUSTED_PROXIES")
    )
    signin_window_seconds: float = Field(15 * 60, validation_alias=_env("SIGNIN_WINDOW_SECONDS"))
    signin_max_failures_account: int = Field(5, validation_alias=_env("SIGNIN_MAX_FAILURES"))
    signin_max_failures_address: int = Field(
        20, validation_alias=_env("SIGNIN_MAX_FAILURES_ADDRESS")
    )
    signin_slow_after: int = Field(10, ge=1, validation_alias=_env("SIGNIN_SLOW_AFTER"))
    signin_delay_seconds: float = Field(2.0, ge=0, validation_alias=_env("SIGNIN_DELAY_SECONDS"))
    max_body_bytes: int = Field(64 * 1024, ge=1, validation_alias=_env("MAX_BODY_BYTES"))
    # The Host names the door answers for (`*.example.com`: its subdomains; `*`: any).
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        ("localhost", "127.0.0.1", "::1"), validation_alias=_env("ALLOWED_HOSTS")
    )
    request_timeout: float = Field(5.0, gt=0, validation_alias=_env("REQUEST_TIMEOUT"))
    heartbeat_seconds: float = Field(15.0, gt=0, validation_alias=_env("HEARTBEAT_SECONDS"))
    sse_buffer: int = Field(10_000, ge=1, validation_alias=_env("SSE_BUFFER"))
    sse_max_replay: int = Field(10_000, ge=0, validation_alias=_env("SSE_MAX_REPLAY"))
    sse_max_streams: int = Field(8, ge=1, validation_alias=_env("SSE_MAX_STREAMS"))
    sse_check_seconds: float = Field(1.0, gt=0, validation_alias=_env("SSE_CHECK_SECONDS"))
    token_cache_seconds: float = Field(5.0, validation_alias=_env("TOKEN_CACHE_SECONDS"))
    dev_passwords: Path | None = Field(None, validation_alias=_env("DEV_PASSWORDS"))

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        return _networks(value) if isinstance(value, str) else value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: object) -> object:
        return _names(value) if isinstance(value, str) else value

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (a bad value: SettingsError naming its variable)."""
        return cls.load(common=ServiceSettings.from_env(DEFAULT_METRICS_PORT))
