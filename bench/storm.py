"""A hostile HTTP storm at every route of docs/openapi.json while leads flow (issue 23).

Every operation of the OpenAPI document is sent, as raw HTTP/1.1 to 127.0.0.1 only, each
kind of bad request below, anonymously and with forged and real credentials: oversized and
deeply nested bodies, malformed ones (broken JSON, bad UTF-8, wrong types, a lying
Content-Length), forged Standard Webhooks signatures and tokens, a wrong Host; and replays of
accepted requests (a lead the stream sent, a signed webhook). Bounded in count and in time.

Nothing may be answered 5xx; a forged credential or a wrong Host never 2xx; the gateway keeps
its process (no restart) and its memory (RSS after the storm within STORM_RSS_MB of before,
measured after one warm-up pass). A replayed webhook stays one deal; the runner checks the
stream's leads as after any fault (every 202 a deal, nothing twice).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from standardwebhooks.webhooks import Webhook

from bench.board import PASSWORD, set_password
from bench.door import post_lead
from bench.load import poll
from bench.procs import ROOT, fetchval
from bench.scene import Scene

OPENAPI = ROOT / "docs" / "openapi.json"
STORM_MAX_REQUESTS = 4000  # the storm's bound in count (its bound in time: the stream's)
STORM_RSS_MB = 25.0  # the gateway's resident memory may grow this much over the storm
HOOKS = "storm-hooks"  # a signed (Standard Webhooks) source made for the storm
HOST = "127.0.0.1"
FORGED_TOKEN = "crm_" + "A" * 43
FORGED_COOKIE = "crm_session=forged.c2Vzc2lvbg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
PATH_VALUES = ["x", "00000000-0000-0000-0000-000000000000", "..%2F..%2Fetc%2Fpasswd",
               "%00", "a" * 2000, "%FF%FE", "-1"]  # fmt: skip
QUERY = "?start=0001-01-01&end=9999-12-31&limit=-1&cursor=%FF&q=" + "%27%22%3C" * 50
NESTED = 5000


def operations(document: Path = OPENAPI) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation of the OpenAPI document."""
    paths = json.loads(document.read_text("utf-8"))["paths"]
    verbs = ("get", "post", "put", "patch", "delete")
    return [(m.upper(), p) for p, ops in paths.items() for m in ops if m in verbs]


def _fill(template: str, i: int) -> str:
    """The path with each {parameter} replaced by a hostile value."""
    out, rest = "", template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        out += head + PATH_VALUES[i % len(PATH_VALUES)]
        rest = tail.partition("}")[2]
    return out + rest


def _request(method: str, path: str, body: bytes = b"", *, headers: str = "",
             host: str = f"{HOST}", length: int | None = None) -> bytes:  # fmt: skip
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{headers}"
    if body or method in ("POST", "PATCH", "PUT"):
        head += f"Content-Type: application/json\r\nContent-Length: {length or len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def hostile(method: str, template: str, auth: str, i: int) -> Iterator[tuple[str, bytes]]:
    """(kind, request bytes) of every hostile kind for one operation and credential."""
    path = _fill(template, i)
    yield "oversized", _request(method, path, b'{"x":"' + b"A" * (1 << 20) + b'"}', headers=auth)
    nested = b"[" * NESTED + b"]" * NESTED
    yield "nested", _request(method, path, nested, headers=auth)
    deep = b'{"a":' * NESTED + b"1" + b"}" * NESTED
    yield "nested", _request(method, path, deep, headers=auth)
    yield "malformed", _request(method, path, b'{"external_id": "x", "contact": {', headers=auth)
    yield "malformed", _request(method, path, b'{"name": "\xff\xfe\xfa"}', headers=auth)
    wrong = b'{"external_id": [], "contact": 5, "user_id": {}, "stage": null, "limit": "x"}'
    yield "malformed", _request(method, path, wrong, headers=auth)
    yield "malformed", _request(method, path + QUERY, b"null", headers=auth)
    yield "malformed", _request(method, path, b"{}", headers=auth, length=10_000_000)
    yield "malformed", f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nX: \x00\x01\r\n\r\n".encode()
    yield "wrong-host", _request(method, path, b"{}", headers=auth, host="evil.example")
    yield "wrong-host", _request(method, path, b"{}", headers=auth, host="127.0.0.1.evil.example")


AUTHS = {
    "anonymous": "",
    "forged token": f"Authorization: Bearer {FORGED_TOKEN}\r\n",
    "forged cookie": f"Cookie: {FORGED_COOKIE}\r\nOrigin: http://{HOST}\r\n",
}


async def send(port: int, request: bytes, timeout: float = 5.0) -> int:
    """Write the request; its status (0: the connection closed, -2: unanswered in time)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    except (OSError, TimeoutError):
        return 0
    try:
        writer.write(request)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        return int(head[9:12])
    except TimeoutError:
        return -2
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return 0
    except ValueError:
        return -1  # not HTTP
    finally:
        writer.close()


def signed_source(env: dict[str, str]) -> str:
    """`python -m gateway tokens create storm-hooks --format standard_webhooks`: its secret."""
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "tokens", "create", HOOKS, "--format",
         "standard_webhooks", "--rate", "1000000", "--burst", "1000000"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return next(line.split()[1] for line in out.splitlines() if line.startswith("секрет"))


def webhook(secret: str, msg_id: str, *, forge: str = "") -> bytes:
    """A signed lead for /intake/storm-hooks; `forge`: which part of the signature lies."""
    body = json.dumps({"contact": {"name": "Шторм", "phone": "+7 900 000 00 01"}}).encode()
    stamp = datetime.now(UTC)
    if forge == "expired":
        stamp = datetime.fromtimestamp(stamp.timestamp() - 3600, UTC)
    signature = Webhook(secret if forge != "secret" else "whsec_" + "Zm9yZ2Vk" * 4).sign(
        msg_id, stamp, body.decode()
    )
    if forge == "garbage":
        signature = "v1,Zm9yZ2VkIHNpZ25hdHVyZQ=="
    headers = (
        f"webhook-id: {msg_id}\r\nwebhook-timestamp: {int(stamp.timestamp())}\r\n"
        f"webhook-signature: {signature}\r\n"
    )
    return _request("POST", f"/intake/{HOOKS}", body, headers=headers)


Hit = tuple[str, bytes, bool, str]
"""(kind, request bytes, whether a 2xx is wrong, "METHOD /template" of its operation)."""


class Storm:
    """What the storm sent and how the gateway answered."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sent = 0
        self.answers: Counter[str] = Counter()  # "kind status"
        self.problems: list[str] = []
        self.reached: set[str] = set()  # "METHOD /template" of the operations hit

    async def hit(self, kind: str, request: bytes, *, refused: bool = False, op: str = "") -> int:
        """Send one; a 5xx (or a 2xx where `refused`) is a problem."""
        status = await send(self.port, request)
        self.sent += 1
        self.reached.add(op)
        said = {0: "closed", -1: "not HTTP", -2: "no answer in 5 s"}
        self.answers[f"{kind} {status // 100}xx" if status > 0 else f"{kind} {said[status]}"] += 1
        if status >= 500 or (refused and 200 <= status < 300):
            where = request.split(b"\r\n", 1)[0][:120].decode(errors="replace")
            self.problems.append(f"{kind}: {where} answered {status}")
        return status

    async def wave(self, requests: list[Hit], until: float, width: int) -> None:
        """Send `requests` `width` at a time, until the bound in count or time is reached."""
        queue = iter(requests)

        async def worker() -> None:
            for kind, request, refused, op in queue:
                if self.sent >= STORM_MAX_REQUESTS or time.monotonic() > until:
                    return
                await self.hit(kind, request, refused=refused, op=op)

        await asyncio.gather(*(worker() for _ in range(width)))


def _every_route(cookie: str) -> list[Hit]:
    """Every hostile kind × every operation × every credential, interleaved across the
    operations (any first part of the list reaches each of them)."""
    auths = {**AUTHS, "session": f"Cookie: {cookie}\r\nOrigin: http://{HOST}\r\n"}
    per_op: list[list[Hit]] = []
    for i, (method, template) in enumerate(operations()):
        op = f"{method} {template}"
        per_op.append([
            (kind, request, kind == "wrong-host", op)
            for name, auth in auths.items()
            # signing out the storm's own session proves nothing
            if not (name == "session" and method == "DELETE")
            for kind, request in hostile(method, template, auth, i)
        ])  # fmt: skip
    rounds = itertools.zip_longest(*per_op)
    return [hit for round_ in rounds for hit in round_ if hit is not None]


def _replays(scene: Scene, secret: str) -> list[Hit]:
    """Leads the stream had answered 202, sent again; signed webhooks, each five times (one
    deal each, checked after); forged and expired signatures (never 2xx)."""
    token = getattr(scene.stream, "token", "")
    port = getattr(scene.stream, "port", 0)
    out: list[Hit] = []
    intake = "POST /intake/{source}"
    for ext in sorted(scene.stream.accepted)[:100]:
        request = post_lead(HOST, port, token, ext, int(ext.rsplit("-", 1)[-1]))
        out.append(("replayed", request, False, "POST /api/leads"))
    for k in range(10):
        out += [("replayed", webhook(secret, f"storm-wh-{k}"), False, intake)] * 5
        for forge in ("secret", "expired", "garbage"):
            request = webhook(secret, f"storm-forged-{k}", forge=forge)
            out.append(("forged", request, True, intake))
    return out


async def _session(port: int, env: dict[str, str]) -> str:
    """The РОП signed in (a real session cookie, so the storm also reaches the handlers)."""
    await asyncio.to_thread(set_password, env, "rop-1")
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=30) as http:
        signed = await http.post("/api/session", json={"user_id": "rop-1", "password": PASSWORD})
        signed.raise_for_status()
        return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


async def storm_credentials(scene: Scene) -> None:
    """Before the stream: the signed source's secret and the РОП's session cookie."""
    env = scene.services["gateway"].env
    scene.kept["secret"] = await asyncio.to_thread(signed_source, env)
    scene.kept["cookie"] = await _session(int(env["CRM_GATEWAY_PORT"]), env)


async def hostile_storm(scene: Scene) -> None:
    """The storm at every route while the stream's leads flow through the gateway."""
    gateway = scene.services["gateway"]
    started = time.monotonic()
    port = int(gateway.env["CRM_GATEWAY_PORT"])
    env = gateway.env
    secret, cookie = scene.kept["secret"], scene.kept["cookie"]
    pid = gateway.pid
    storm = Storm(port)
    requests = _every_route(cookie)
    warm = [r for i, r in enumerate(requests) if i % 7 == 0]  # every kind, most routes
    await storm.wave(warm, started + scene.seconds / 3, width=4)
    before = gateway.rss_mb() or 0.0
    until = started + max(scene.seconds - 1.0, 3.0)
    await storm.wave([*_replays(scene, secret), *requests], until, width=8)
    await asyncio.sleep(1.0)
    after = gateway.rss_mb() or 0.0
    scene.problems += storm.problems[:10]
    if len(storm.problems) > 10:
        scene.problems.append(f"... {len(storm.problems) - 10} more such answers")
    if gateway.pid != pid or not gateway.healthy():
        scene.problems.append("the gateway restarted or is unhealthy after the storm")
    if after - before > STORM_RSS_MB:
        scene.problems.append(f"gateway RSS grew {after - before:.0f} MB (bound {STORM_RSS_MB})")
    missed = {f"{m} {t}" for m, t in operations()} - storm.reached
    if missed:
        scene.problems.append(f"the storm did not reach {len(missed)} operations: {sorted(missed)}")
    await _one_deal_per_webhook(env["CRM_DATABASE_URL"], scene)
    kinds = Counter(k.split()[0] for k in storm.answers.elements())
    scene.log.append(
        f"storm: {storm.sent} requests at {len(operations())} operations in "
        f"{time.monotonic() - started:.0f}s ({', '.join(f'{k} {n}' for k, n in kinds.items())}); "
        f"answers {dict(sorted(storm.answers.items()))}; gateway RSS {before:.0f} → {after:.0f} MB"
    )


async def _one_deal_per_webhook(database_url: str, scene: Scene) -> None:
    """The ten signed webhooks, each sent five times, are ten deals."""
    sql = "SELECT count(*) FROM deal.deals WHERE source = $1"

    async def ten() -> bool:
        return int(await fetchval(database_url, sql, HOOKS)) >= 10

    await poll(ten, timeout=30, interval=0.5)
    deals = int(await fetchval(database_url, sql, HOOKS))
    if deals != 10:
        scene.problems.append(f"10 signed webhooks (each sent 5 times) made {deals} deals")
