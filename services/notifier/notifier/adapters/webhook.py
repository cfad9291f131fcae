"""Posting a notification to a webhook endpoint, signed per Standard Webhooks.

Headers: `webhook-id` (the delivery id, the same on every retry so the receiver can drop
duplicates), `webhook-timestamp` (seconds, taken per attempt: receivers refuse stale ones)
and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. The signing is the
reference `standardwebhooks` package's, so receivers verify with the same code.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

# Of a receiver's answer only the status and Retry-After count; at most this much of its
# body is read (for the error text), however much it sends.
MAX_RESPONSE_BYTES = 4096
_ERROR_EXCERPT = 200


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


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS context (the CA bundle, SSL_CERT_FILE honoured), made once a
    process: loading the bundle took about 10 ms of CPU, a tenth of a notifier's start."""
    return httpx.create_ssl_context()


class WebhookSender:
    """One pooled HTTP client for every endpoint; redirects are not followed (a moved
    endpoint must be reconfigured, not silently sent elsewhere with our signature).

    `timeout` is the deadline of a whole attempt: connecting, sending and reading the
    answer together, so a receiver that trickles bytes cannot hold an attempt for longer.
    """

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=_tls())

    async def post(self, url: str, key: bytes, msg_id: str, body: bytes) -> HttpAnswer:
        """POST once; network failures and the deadline come back as an answer without a status."""
        headers = signed_headers(key, msg_id, body, datetime.now(UTC))
        # Uncompressed, so that the bytes read are the bytes received (no inflated bomb).
        headers["accept-encoding"] = "identity"
        try:
            async with asyncio.timeout(self._timeout):
                return await self._post(url, body, headers)
        except TimeoutError:
            return HttpAnswer(None, error=f"нет ответа за {self._timeout:g} с")
        except httpx.HTTPError as exc:
            return HttpAnswer(None, error=f"{type(exc).__name__}: {exc}"[:500])

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> HttpAnswer:
        request = self._client.build_request("POST", url, content=body, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            retry_after = response.headers.get("retry-after")
            # Read even on success: a short body read to its end lets the connection be reused.
            excerpt = await _read_some(response, MAX_RESPONSE_BYTES)
            if response.is_success:
                return HttpAnswer(response.status_code, retry_after)
            text = excerpt.decode("utf-8", "replace").strip()[:_ERROR_EXCERPT]
            error = f"HTTP {response.status_code}" + (f": {text}" if text else "")
            return HttpAnswer(response.status_code, retry_after, error)
        finally:
            await response.aclose()  # the rest of the body, if any, is never read

    async def close(self) -> None:
        """Close pooled connections."""
        await self._client.aclose()


async def _read_some(response: httpx.Response, limit: int) -> bytes:
    """Up to `limit` bytes of the body as received."""
    data = bytearray()
    async for chunk in response.aiter_raw():
        data += chunk
        if len(data) >= limit:
            break
    return bytes(data[:limit])
