"""What `python -m <service>` runs: a service's `bootstrap.ENTRY`.

Light on purpose (no typer, no service code): `cli` imports it before the service's own
imports, and `commands` builds the command line from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    import typer

    from crm_shared.machinery.serving import Service
    from crm_shared.machinery.settings import ServiceSettings


class _Settings(Protocol):
    @property
    def common(self) -> ServiceSettings: ...


S = TypeVar("S", bound=_Settings)


@dataclass(frozen=True)
class Entry(Generic[S]):
    """What `python -m <service>` runs, as its `bootstrap.ENTRY`: how to read its settings,
    migrate its schema (`migrations`: its alembic directory) and make the running service;
    `commands` are its own further command groups (typer apps; the settings are their
    context's `obj`)."""

    settings: Callable[[], S]
    migrations: Path
    migrate: Callable[[S], object]
    serve: Callable[[S], Service]
    commands: Mapping[str, typer.Typer] = field(default_factory=dict)
