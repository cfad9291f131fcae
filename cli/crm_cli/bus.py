"""The command line's connection to the bus, and its errors as messages a person can act on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar, cast

import nats
from nats.aio.client import Client as NatsClient
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NoStreamResponseError
from pydantic import ValidationError

from crm_shared.contracts.base import Answer, Asks, Strict
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.contracts.refusals import Refused
from crm_shared.contracts.subjects import service_of
from crm_shared.locale import form_problems, say
from crm_shared.machinery.asking import body_of, read_reply
from crm_shared.machinery.parsing import describe_validation_error
from crm_shared.machinery.redact import mask_url

R = TypeVar("R", bound=Answer)
REQUEST_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0


class CliError(Exception):
    """Something the user must hear about, with the exit code to leave with."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @classmethod
    def said(cls, code: str, exit_code: int = 1, **params: Any) -> CliError:
        """The catalogue's sentence for `code` (and `params`' `reason`), as an error."""
        return cls(say({"code": code, "params": params}), exit_code)


class Reported(CliError):
    """An error already explained to the user: only its exit code is left to give."""

    def __init__(self, exit_code: int = 1) -> None:
        super().__init__("", exit_code)


class Refusal(CliError):
    """A command or query answered `{"ok": false, "error": ...}`."""

    def __init__(self, subject: str, error: dict[str, Any]) -> None:
        super().__init__(say(error), 1)
        self.subject = subject
        self.error = error


async def _quiet(exc: Exception) -> None:
    """nats-py logs every connection error itself; ours is raised once, as a CliError."""


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[Bus]:
    """A connection for one command; a server that is not there is an error, not a retry."""
    try:
        # max_reconnect_attempts=1: nats-py 2.16 never gives up on a refused first connect
        # with 0; wait_for is the backstop against any other way of hanging.
        nc = await asyncio.wait_for(
            nats.connect(
                url,
                name="crm-cli",
                # Replies come to _INBOX.crm-cli.…, all the crm-cli NATS user may read.
                inbox_prefix="_INBOX.crm-cli",
                connect_timeout=3,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.1,
                error_cb=_quiet,
            ),
            CONNECT_TIMEOUT,
        )
    except Exception as exc:
        if "authorization violation" in str(exc).lower():
            raise CliError.said("unauthenticated", 3, reason="nats", url=mask_url(url)) from None
        raise CliError.said("unavailable", 3, reason="nats", url=mask_url(url)) from None
    try:
        yield Bus(nc)
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


class Bus:
    """Requests with replies, lead publishing and subscriptions on one connection."""

    def __init__(self, nc: NatsClient) -> None:
        self.nc = nc
        self.js = nc.jetstream(timeout=5)

    async def ask(self, request: Asks[R], timeout: float = REQUEST_TIMEOUT) -> R:
        """The typed reply (crm_shared.machinery.asking); Refusal when the service refuses,
        CliError (exit 3) when nobody answers in time."""
        subject = cast(Strict, request).SUBJECT
        try:
            msg = await self.nc.request(subject, body_of(cast(Strict, request)), timeout=timeout)
        except NoRespondersError:
            raise CliError.said(
                "unavailable", 3, reason="no_responders", service=service_of(subject)
            ) from None
        except (NatsTimeout, TimeoutError):
            raise CliError.said(
                "unavailable",
                3,
                reason="timeout",
                service=service_of(subject),
                seconds=f"{timeout:g}",
            ) from None
        try:
            return read_reply(request, msg.data)
        except Refused as refused:
            raise Refusal(
                subject, refused.error.model_dump(mode="json", exclude_none=True)
            ) from None

    async def send(
        self, model: type[Asks[R]], body: dict[str, Any], timeout: float = REQUEST_TIMEOUT
    ) -> R:
        """`ask` with the request built from `body` as typed on the command line; what does
        not fit the contract is the Refusal the service would have given (`invalid`)."""
        try:
            request = cast(type[Strict], model).model_validate(body)
        except ValidationError as exc:
            error = {
                "code": "invalid",
                "message": describe_validation_error(exc),
                "params": {"reason": "form", "problems": form_problems(exc.errors())},
            }
            raise Refusal(cast(type[Strict], model).SUBJECT, error) from None
        return await self.ask(cast(Asks[R], request), timeout)

    async def publish_event(self, subject: str, event: CloudEvent) -> None:
        """Publish a CloudEvent to JetStream, de-duplicated on its id."""
        try:
            await self.js.publish(subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
        except NoStreamResponseError:
            raise CliError.said("unavailable", 3, reason="no_stream", subject=subject) from None


def as_json(reply: Answer) -> dict[str, Any]:
    """A reply as `--json` prints it: as the service sent it, `ok` included."""
    return {"ok": True, **reply.model_dump(mode="json")}
