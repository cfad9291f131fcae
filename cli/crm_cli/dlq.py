"""`crm dlq list` / `crm dlq replay <seq>|--all`: the dead-letter stream, once the cause is fixed.

A replay publishes the original bytes to the original subject with the original headers,
under a new `Nats-Msg-Id` (`<original id>~replay:<seq>`: JetStream's duplicate window would
drop the old one, and a replay repeated after a crash is still dropped once) and a
`Crm-Replay-Of` header (the consumer's inbox then takes it for a new message, as the first
copy may be recorded there). A replayed letter is deleted from `CRM_DLQ`; one that cannot
be replayed (cut to fit the stream, or refused by the bus) stays, with the reason why.
Replaying to `crm.deal.>` or `crm.task.>` needs a NATS user allowed to publish there
(`crm-admin`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import typer
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from rich.markup import escape

from crm_cli.bus import CliError, connected
from crm_cli.render import when
from crm_cli.ui import options, out, print_json, run
from crm_shared.locale.words import DEAD_LETTER_KINDS
from crm_shared.machinery.bus import REPLAY_HEADER, dlq_subject

app = typer.Typer(help="Недоставленные сообщения: список, повторная отправка.")
STREAM = "CRM_DLQ"


@dataclass
class Letter:
    """One entry of the dead-letter stream."""

    seq: int
    time: datetime | None
    body: dict[str, Any]

    @property
    def summary(self) -> dict[str, Any]:
        """What `list` shows of it."""
        return {
            "seq": self.seq,
            "time": self.time.isoformat() if self.time else None,
            "service": self.body.get("service"),
            "original_subject": self.body.get("original_subject"),
            "kind": self.body.get("kind"),
            "reason": self.body.get("reason"),
            "replayable": not self.body.get("original_truncated", False),
        }


def letter_reason(row: dict[str, Any]) -> str:
    """Why, for a person: «отклонено сервисом: «invalid: …»» — the kind in Russian (a letter
    written before kinds were kept: «причина»), the service's own words quoted after it."""
    kind = DEAD_LETTER_KINDS.get(str(row.get("kind") or ""), "причина")
    return f"{kind}: «{str(row.get('reason') or '')[:160]}»"


async def letters(js: JetStreamContext, first: int = 1) -> AsyncIterator[Letter]:
    """Every dead letter from sequence `first` on, oldest first."""
    seq = first
    while True:
        try:
            raw = await js.get_msg(STREAM, seq=seq, next=True, subject=dlq_subject(">"))
        except NotFoundError:
            return
        assert raw.seq is not None
        try:
            body = json.loads(raw.data or b"{}")
        except ValueError:
            body = {"reason": "(unreadable dead letter)", "original_truncated": True}
        yield Letter(seq=raw.seq, time=raw.time, body=body)
        seq = raw.seq + 1


async def replay(js: JetStreamContext, letter: Letter) -> tuple[bool, str, str]:
    """Re-publish one letter and delete it; (done, what happened for --json, and in Russian
    for a person)."""
    body = letter.body
    subject = body.get("original_subject")
    if body.get("original_truncated") or not isinstance(subject, str):
        return (
            False,
            "kept: its original was cut to fit the stream, it cannot be replayed",
            "оставлено: исходное сообщение обрезано под размер потока, повторить нельзя",
        )
    original = str(body.get("original", ""))
    data = (
        base64.b64decode(original)
        if body.get("original_encoding") == "base64"
        else original.encode()
    )
    headers = {
        k: str(v)
        for k, v in (body.get("original_headers") or {}).items()
        if not k.startswith("Nats-")  # Nats-Expected-* would refuse it, Nats-Msg-Id drop it
    }
    old_id = (body.get("original_headers") or {}).get("Nats-Msg-Id") or f"dlq:{letter.seq}"
    headers["Nats-Msg-Id"] = f"{old_id}~replay:{letter.seq}"
    headers[REPLAY_HEADER] = str(letter.seq)
    try:
        ack = await js.publish(subject, data, headers=headers)
    except Exception as exc:
        failed = f"{exc.__class__.__name__}: {exc}"
        return (
            False,
            f"kept: publishing to {subject} failed ({failed})",
            f"оставлено: не удалось отправить в {subject} ({failed})",
        )
    await js.delete_msg(STREAM, letter.seq)
    return (
        True,
        f"replayed to {subject} ({ack.stream} #{ack.seq}), removed from {STREAM}",
        f"отправлено заново в {subject} ({ack.stream} #{ack.seq}), убрано из {STREAM}",
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Показать не больше стольких.")] = 100,
) -> None:
    """Недоставленные сообщения, сначала старые: номер, время, сервис, тема и причина."""
    opts = options(ctx)

    async def main() -> None:
        async with connected(opts.admin_url()) as bus:
            shown = [letter.summary async for letter in _first(letters(bus.js), limit)]
        if opts.json:
            print_json(shown)
            return
        console = out()
        for row in shown:
            mark = "" if row["replayable"] else " [обрезано]"
            console.print(
                f"#{row['seq']}  {when(row['time'])}  {row['service']}  {row['original_subject']}"
                f"{mark}  {escape(letter_reason(row))}",
                soft_wrap=True,
            )
        console.print(f"недоставленных: {len(shown)}")

    run(main())


@app.command("replay")
def replay_(
    ctx: typer.Context,
    seq: Annotated[int | None, typer.Argument(help="Номер сообщения (см. `list`).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Отправить заново все.")] = False,
) -> None:
    """Отправить недоставленные заново в их исходную тему и убрать из потока."""
    opts = options(ctx)
    if (seq is None) == (not all_):
        raise typer.BadParameter("укажите номер или --all (не то и другое)")

    async def main() -> None:
        results: list[dict[str, Any]] = []
        told: dict[int, str] = {}  # what a person reads of each result
        async with connected(opts.admin_url()) as bus:
            # Only what is there now: a replay that fails again is a new letter, not one to
            # replay in this same run (that would go round for ever).
            try:
                last = (await bus.js.stream_info(STREAM)).state.last_seq
            except NotFoundError:
                raise CliError.said("unavailable", 3, reason="no_stream", subject=STREAM) from None
            async for letter in letters(bus.js, seq or 1):
                if letter.seq > last or (seq is not None and letter.seq != seq):
                    break
                done, what, said = await replay(bus.js, letter)
                results.append({"seq": letter.seq, "replayed": done, "result": what})
                told[letter.seq] = said
                if seq is not None:
                    break
        if seq is not None and not results:
            raise CliError(f"в {STREAM} нет недоставленного сообщения №{seq}")
        if opts.json:
            print_json(results)
        else:
            for r in results:
                out().print(f"#{r['seq']}: {escape(told[r['seq']])}", soft_wrap=True)
        if not all(r["replayed"] for r in results):
            raise CliError(f"оставлено сообщений: {sum(not r['replayed'] for r in results)}")

    run(main())


async def _first(items: AsyncIterator[Letter], limit: int) -> AsyncIterator[Letter]:
    count = 0
    async for item in items:
        if count >= limit:
            return
        count += 1
        yield item
