"""Posting a notification to a webhook endpoint, signed per Standard Webhooks.

Headers: `webhook-id` (the delivery id, the same on every retry so the receiver can drop
duplicates), `webhook-timestamp` (seconds, taken per attempt: receivers refuse stale ones)
and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. The signing is the
reference `standardwebhooks` package's, so receivers verify with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook


@dataclass(frozen=True)
class HttpAnswer:
    """What came back: a status (None if no answer) and the Retry-After header."""

    status: int | None
    retry_after: str | None = None
    error: str | None = None


def signed_headers(key: bytes, msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for `body`, signed with the endpoint's `key`."""
    timestamp = now.astimezone(UTC)
    signature = Webhook(key).sign(msg_id=msg_id, timestamp=timestamp, data=body.decode())
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }


class WebhookSender:
    """One pooled HTTP client for every endpoint; redirects are not followed (a moved
    endpoint must be reconfigured, not silently sent elsewhere with our signature)."""

    def __init__(self, timeout: float) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def post(self, url: str, key: bytes, msg_id: str, body: bytes) -> HttpAnswer:
        """POST once; network failures come back as an answer without a status."""
        headers = signed_headers(key, msg_id, body, datetime.now(UTC))
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return HttpAnswer(None, error=f"{type(exc).__name__}: {exc}"[:500])
        error = None if response.is_success else f"HTTP {response.status_code}"
        return HttpAnswer(response.status_code, response.headers.get("retry-after"), error)

    async def close(self) -> None:
        """Close pooled connections."""
        await self._client.aclose()
