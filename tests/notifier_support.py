"""Test helpers for the notifier: configurations, task events, a webhook receiver, a mailbox.

The receiver and the SMTP server are real servers on loopback ports; the receiver checks
every signature with the `standardwebhooks` reference package, as an integrator would.
Their fixtures are in tests/notifier_fixtures.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml
from aiosmtpd.controller import Controller
from standardwebhooks import Webhook

from crm_shared.config import CrmConfig, config_from_data
from crm_shared.machinery.db import asyncpg_dsn
from tests.support import Client

ROP, MGR = "rop-1", "mgr-1"
FAST_ENV = {
    # Retries in tenths of a second, so that a test sees several of them.
    "CRM_DELIVERY_BACKOFF_BASE": "0.1",
    "CRM_DELIVERY_BACKOFF_MAX": "0.5",
    # Replicas that did not consume a deadline themselves look this often.
    "CRM_OVERDUE_MAX_SLEEP": "0.5",
}


def whsec() -> str:
    """A fresh Standard Webhooks secret."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config_data(
    channels: dict[str, list[dict[str, Any]]] | None = None,
    *,
    deadline: int = 1,
    smtp_port: int | None = None,
    smtp: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The shipped configuration with every deadline `deadline` seconds and the given channels."""
    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    for stage in data["pipeline"]["stages"]:
        if "deadline" in stage:
            stage["deadline"] = deadline
    for user in data["users"]:
        if channels and user["id"] in channels:
            user["channels"] = channels[user["id"]]
    if smtp_port is not None:
        data["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "sender": "crm@example.ru"}
        data["smtp"].update(smtp or {})
    return data


def config(channels: dict[str, list[dict[str, Any]]] | None = None, **kw: Any) -> CrmConfig:
    """`config_data` checked like a loaded file."""
    return config_from_data(config_data(channels, **kw), source="notifier test config")


def write_config(path: Path, data: dict[str, Any]) -> str:
    """Save a configuration for a service process (CRM_CONFIG)."""
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def task(
    deadline_in: float, *, title: str = "Взять в работу новый лид", **fields: Any
) -> dict[str, Any]:
    """A task as task-service emits it, due `deadline_in` seconds from now."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "id": f"task-{uuid.uuid4().hex[:10]}",
        "deal_id": f"deal-{uuid.uuid4().hex[:8]}",
        "stage": "NEW_LEAD",
        "title": title,
        "creator_id": ROP,
        "responsible_id": MGR,
        "deadline": (now + timedelta(seconds=deadline_in)).isoformat(),
        "status": "open",
        "opened_at": now.isoformat(),
    }
    body.update(fields)
    return body


async def publish(client: Client, kind: str, data: dict[str, Any], subject_id: str = "") -> str:
    """Publish an event of `crm.<kind>` in its CloudEvents envelope; returns the event id."""
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "test/producer",
        "type": f"crm.{kind}.v1",
        "subject": subject_id,
        "data": data,
    }
    await client.js.publish(
        f"crm.{kind}", json.dumps(event).encode(), headers={"Nats-Msg-Id": event["id"]}
    )
    return str(event["id"])


async def open_task(client: Client, t: dict[str, Any]) -> None:
    """Publish TaskOpened."""
    await publish(client, "task.opened", {"task": t}, t["deal_id"])


async def close_task(client: Client, t: dict[str, Any]) -> None:
    """Publish TaskClosed (completed now)."""
    closed = {**t, "status": "closed", "close_reason": "completed"}
    closed["closed_at"] = datetime.now(UTC).isoformat()
    await publish(client, "task.closed", {"task": closed}, t["deal_id"])


async def rows(infra: Any, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Run a query against the test database."""
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


@dataclass
class Hit:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes
    at: float
    status: int
    payload: Any = None
    error: str | None = None

    @property
    def id(self) -> str:
        """Its webhook-id."""
        return self.headers.get("webhook-id", "")


Answer = Callable[[Hit, int], tuple[int, dict[str, str]]]


def answer_ok(hit: Hit, n: int) -> tuple[int, dict[str, str]]:
    """Accept everything."""
    return 200, {}


@dataclass
class Receiver:
    """A webhook endpoint: verifies each request and answers as `answer(hit, n)` says, where
    n counts this webhook-id's requests from 1."""

    secret: str
    answer: Answer = answer_ok
    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/crm"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def accepted(self) -> list[Hit]:
        """Verified requests answered with 2xx."""
        return [h for h in self.hits if h.error is None and 200 <= h.status < 300]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            hit = Hit(headers, body, time.monotonic(), 0)
            try:
                hit.payload = Webhook(self.secret).verify(body, headers)
                n = sum(1 for h in self.hits if h.id == hit.id) + 1
                hit.status, extra = self.answer(hit, n)
            except Exception as exc:  # a bad signature must fail the test, not the server
                hit.error, hit.status, extra = repr(exc), 400, {}
            self.hits.append(hit)
            more = "".join(f"{k}: {v}\r\n" for k, v in extra.items())
            writer.write(
                f"HTTP/1.1 {hit.status} X\r\nContent-Length: 0\r\n{more}"
                "Connection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def tls_server(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for 127.0.0.1 with a fresh self-signed certificate (openssl), and
    the certificate's path, for the client to trust."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


class Mailbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives.

    With `tls` (a server context, see `tls_server`) it offers STARTTLS, and with
    `require_tls` it refuses mail on a session that did not upgrade. `tls_sessions` says,
    per message, whether it came over TLS.
    """

    def __init__(self, tls: ssl.SSLContext | None = None, *, require_tls: bool = False) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.tls_sessions: list[bool] = []
        self.port = free_port()
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=tls,
            require_starttls=require_tls,
        )

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        message["X-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        self.tls_sessions.append(session.ssl is not None)
        return "250 OK"

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
