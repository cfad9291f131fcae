"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when a user has no password, so that "no such password" takes as long as
# a wrong one and the answer time does not tell which accounts exist.
_DUMMY = _hasher.hash("no password is set for this account")


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted; parameters kept in the hash)."""
    return _hasher.hash(password)


async def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored` (off the event loop: argon2 takes ~50 ms of CPU)."""

    def check() -> bool:
        try:
            return _hasher.verify(stored or _DUMMY, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
