"""Reading a listed query page by page (`items`, `next_cursor`), with progress on stderr."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from rich.progress import SpinnerColumn, TextColumn

from crm_cli.bus import Bus, as_json
from crm_cli.ui import progress as progress_display
from crm_shared.contracts.base import Answer, Asks, Strict

R = TypeVar("R", bound=Answer)
PAGE = 500  # the largest page the API serves


async def collect(
    bus: Bus, model: type[Asks[R]], filters: dict[str, Any], want: int | None
) -> list[dict[str, Any]]:
    """Up to `want` items (None: every one) of a listing query, following `next_cursor`."""
    subject = cast(type[Strict], model).SUBJECT
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    with progress_display(SpinnerColumn(), TextColumn("{task.description}")) as progress:
        task = progress.add_task(f"{subject}: страница 1", total=None)
        page = 1
        while want is None or len(items) < want:
            limit = PAGE if want is None else min(PAGE, want - len(items))
            body = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
            reply = as_json(await bus.send(model, body))
            items += reply["items"]
            cursor = reply.get("next_cursor")
            if not cursor:
                break
            page += 1
            progress.update(task, description=f"{subject}: страница {page}, получено {len(items)}")
    return items
