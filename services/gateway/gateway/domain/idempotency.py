"""Idempotency-Key rules (IETF draft-ietf-httpapi-idempotency-key-header)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

# One limit for every Idempotency-Key the gateway takes (a lead's and a change's): a change's
# key goes on as its commands' `request_id`, `<key>:<command>`, which must fit the contracts'
# `Id` (100 bytes) with the longest command name (`deal.contact_attempt`).
MAX_KEY = 64


def check_key(key: str) -> str:
    """The key unchanged, or ValueError saying what a key may be."""
    if len(key.encode()) > MAX_KEY or not key.isprintable():
        raise ValueError(f"Idempotency-Key: at most {MAX_KEY} printable characters (ASCII)")
    return key


class Outcome(Enum):
    """What to do with a request that carries a key already seen."""

    proceed = "proceed"  # first time (or a stale in-flight record was taken over)
    replay = "replay"  # same key, same body, answered: the first answer again
    mismatch = "mismatch"  # same key, another body: 422
    in_flight = "in_flight"  # same key, the first request still being handled: 409


@dataclass(frozen=True)
class Record:
    """What was stored for a key."""

    fingerprint: str
    status: int | None  # None while the first request is in flight
    body: bytes | None = None
    content_type: str | None = None


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What "the same request" means: method, path and the exact body bytes."""
    h = hashlib.sha256()
    h.update(f"{method} {path}\n".encode())
    h.update(body)
    return h.hexdigest()


def decide(existing: Record, fp: str) -> Outcome:
    """The outcome for a request with fingerprint `fp` whose key already has `existing`."""
    if existing.fingerprint != fp:
        return Outcome.mismatch
    if existing.status is None:
        return Outcome.in_flight
    return Outcome.replay
