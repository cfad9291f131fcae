"""gateway settings: the shared ones plus the HTTP door's own."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from crm_shared.machinery.settings import EnvSettings, ServiceSettings

NAME = "gateway"
SCHEMA = "gateway"
DEFAULT_METRICS_PORT = 9104
DEFAULT_HTTP_PORT = 8000


def _env(name: str) -> str:
    return f"CRM_GATEWAY_{name}"


class Settings(EnvSettings):
    """Everything the gateway reads from its environment, CRM_GATEWAY_* (docs/gateway.md
    lists them) and the shared CRM_* settings. A flag is 1/true/yes/on or 0/false/no/off."""

    common: ServiceSettings
    http_host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    http_port: int = Field(DEFAULT_HTTP_PORT, ge=0, le=65535, validation_alias=_env("PORT"))
    session_seconds: float = Field(8 * 3600, gt=0, validation_alias=_env("SESSION_SECONDS"))
    # Secure cookies always (behind TLS), or only when X-Forwarded-Proto says https.
    secure_cookies: bool = Field(False, validation_alias=_env("SECURE_COOKIES"))
    trust_forwarded: bool = Field(False, validation_alias=_env("TRUST_FORWARDED"))
    signin_window_seconds: float = Field(15 * 60, validation_alias=_env("SIGNIN_WINDOW_SECONDS"))
    signin_max_failures_account: int = Field(5, validation_alias=_env("SIGNIN_MAX_FAILURES"))
    signin_max_failures_address: int = Field(
        20, validation_alias=_env("SIGNIN_MAX_FAILURES_ADDRESS")
    )
    max_body_bytes: int = Field(64 * 1024, ge=1, validation_alias=_env("MAX_BODY_BYTES"))
    request_timeout: float = Field(5.0, gt=0, validation_alias=_env("REQUEST_TIMEOUT"))
    heartbeat_seconds: float = Field(15.0, gt=0, validation_alias=_env("HEARTBEAT_SECONDS"))
    sse_buffer: int = Field(10_000, ge=1, validation_alias=_env("SSE_BUFFER"))
    token_cache_seconds: float = Field(5.0, validation_alias=_env("TOKEN_CACHE_SECONDS"))
    dev_passwords: Path | None = Field(None, validation_alias=_env("DEV_PASSWORDS"))

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (a bad value: SettingsError naming its variable)."""
        return cls.load(common=ServiceSettings.from_env(DEFAULT_METRICS_PORT))
