"""Random bodies that deal-service must dead-letter, for the "poison flood" fault.

Each is poison by construction (none can be a valid lead), but otherwise random: raw bytes,
deep nesting, numbers past Python's int-str limit, NUL and lone surrogates in strings, any
JSON that is not an object, cut JSON, envelopes around nonsense, ids and texts over their
byte limits, and leads for a manager nobody knows.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Callable

_Maker = Callable[[random.Random], bytes]


def _lead(rng: random.Random, **fields: object) -> bytes:
    data: dict[str, object] = {
        "source": "poison",
        "external_id": f"p-{uuid.UUID(int=rng.getrandbits(128))}",
        "contact": {"name": "P"},
    }
    data.update(fields)
    return json.dumps(data, ensure_ascii=rng.random() < 0.5).encode()


def _raw(rng: random.Random) -> bytes:
    return b"\xff" + rng.randbytes(rng.randint(0, 2000))  # 0xff: never UTF-8, so never JSON


def _deep(rng: random.Random) -> bytes:
    return rng.choice([b"[", b'{"a":']) * rng.randint(1000, 6000)


def _digits(rng: random.Random) -> bytes:
    return _lead(rng)[:-1] + b', "amount": ' + b"7" * rng.randint(4400, 9000) + b"}"


def _nul(rng: random.Random) -> bytes:
    field = rng.choice(["title", "comment", "requirements"])
    return _lead(rng, **{field: "a\x00" + rng.choice(string.ascii_letters)})


def _surrogate(rng: random.Random) -> bytes:
    return _lead(rng).replace(
        b'"name": "P"', b'"name": "\\ud8' + b"%02x" % rng.randint(0, 255) + b'"'
    )


def _not_object(rng: random.Random) -> bytes:
    return json.dumps(rng.choice([[1, 2], "lead", 42, None, True, [{"source": "x"}]])).encode()


def _cut(rng: random.Random) -> bytes:
    body = _lead(rng, title="x" * rng.randint(0, 200))
    return body[: rng.randint(1, len(body) - 2)]


def _envelope(rng: random.Random) -> bytes:
    data = rng.choice([{}, {"contact": None}, {"source": 5}, {"external_id": ""}])
    event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "p", "type": "t"}
    return json.dumps({**event, "data": data}).encode()


def _too_long(rng: random.Random) -> bytes:
    return rng.choice(
        [
            _lead(rng, external_id="e" * rng.randint(201, 3000)),
            _lead(rng, requirements="😀" * rng.randint(2501, 9000)),
            _lead(rng, responsible_id="r" * rng.randint(101, 500)),
        ]
    )


def _stranger(rng: random.Random) -> bytes:
    return _lead(rng, responsible_id=f"nobody-{rng.randint(0, 10**6)}")


MAKERS: list[_Maker] = [
    _raw, _deep, _digits, _nul, _surrogate, _not_object, _cut, _envelope, _too_long, _stranger,
]  # fmt: skip


def random_bodies(count: int, seed: int | None = None) -> list[bytes]:
    """`count` poison bodies of every kind, shuffled."""
    rng = random.Random(seed)
    return [rng.choice(MAKERS)(rng) for _ in range(count)]
