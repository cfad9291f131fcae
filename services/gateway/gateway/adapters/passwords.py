"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile)."""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """Verified against when a user has no password, so that "no such password" takes as
    long as a wrong one and the answer time does not tell which accounts exist. Made by
    `prepare` as the gateway starts, not at import: every `python -m gateway` command
    (tokens, set-password) paid its 0.25 s of CPU."""
    return _hasher.hash("no password is set for this account")


async def prepare() -> None:
    """Make the dummy hash before the first sign-in (so the first unknown user's answer
    takes no longer than a wrong password's)."""
    await asyncio.to_thread(_dummy)


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted; parameters kept in the hash)."""
    return _hasher.hash(password)


async def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored` (off the event loop: argon2 with its defaults takes
    about 0.25 s of CPU on a 2-core machine)."""

    def check() -> bool:
        try:
            return _hasher.verify(stored or _dummy(), password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
