"""The typer commands of `python -m <service>` (see `cli`, which imports this only after
`early` is in place): serve, migrate, revision MESSAGE, and the service's own groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_shared.locale.commandline import speak_russian

if TYPE_CHECKING:
    from crm_shared.machinery.entry import Entry


def service_command(entry: Entry[Any], prog: str) -> Any:
    """The service's commands (a click group, through typer), speaking Russian."""
    speak_russian()
    app = typer.Typer(
        name=prog, add_completion=False, help=f"{prog}: serve (the default), migrate, revision."
    )

    @app.callback(invoke_without_command=True)
    def root(ctx: typer.Context) -> None:
        """Read the settings for every command; without one, serve."""
        ctx.obj = entry.settings()
        if ctx.invoked_subcommand is None:
            serve(ctx)

    @app.command()
    def serve(ctx: typer.Context) -> None:
        """Run the service until SIGTERM/SIGINT (status 0), or until it fails (status 1)."""
        import uvloop

        from crm_shared.machinery.serving import serve_forever

        raise typer.Exit(uvloop.run(serve_forever(entry.serve(ctx.obj))))

    @app.command()
    def migrate(ctx: typer.Context) -> None:
        """Bring the service's schema to its newest migration."""
        entry.migrate(ctx.obj)

    @app.command()
    def revision(ctx: typer.Context, message: str) -> None:
        """Draft the next migration from the service's tables (against a database at head)."""
        from crm_shared.machinery.db import draft_migration

        draft_migration(ctx.obj.common.database_url, entry.migrations, message)

    for name, group in entry.commands.items():
        app.add_typer(group, name=name)
    return typer.main.get_command(app)
