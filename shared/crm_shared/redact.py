"""Keeping secrets out of what we print and log.

`mask_url` hides the password of a URL (`nats://deal-service:s3cret@host` becomes
`nats://deal-service:***@host`); `mask_urls` does it for every URL inside a free text, which is
what the services' log filter applies to each message (`crm_shared.logs`).
"""

from __future__ import annotations

import re

MASK = "***"
# scheme://user:password@ -- the password is anything up to the last "@" before the host
# that contains no "/" or whitespace (passwords may contain "@" when not percent-encoded).
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)(?P<secret>[^/\s]*)@")


def mask_url(url: str) -> str:
    """`url` with its password replaced by `***` (a comma-separated list: each URL masked).

    A URL without a password (`postgresql://postgres@host/crm`) is returned unchanged; so is
    anything that is not a URL.
    """
    return mask_urls(url)


def mask_urls(text: str) -> str:
    """`text` with the password of every URL in it replaced by `***`."""
    return _CREDENTIALS.sub(lambda m: f"{m['head']}{MASK}@", text)
