"""`crm task list / show / complete / comment`: tasks through `ListTasks` (and
`TaskComments` for every comment), `CompleteTask` and `CommentTask`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from crm_cli.bus import CliError, as_json, connected
from crm_cli.ids import resolve
from crm_cli.paging import collect
from crm_cli.render import task_panel, tasks_table
from crm_cli.ui import Wide, err, options, out, print_json, print_table, run, width
from crm_shared.contracts.task import CommentTask, CompleteTask, ListTasks, TaskComments
from crm_shared.locale import count, task_status

app = typer.Typer(help="Задачи: список, карточка, выполнить, прокомментировать.")

# `task list --status`: what is listed, and how many of it (one, few, many).
_COUNTED = {
    "open": ("открытая задача", "открытые задачи", "открытых задач"),
    "closed": ("закрытая задача", "закрытые задачи", "закрытых задач"),
    "any": ("задача", "задачи", "задач"),
}


@app.command("list")
def list_tasks(
    ctx: typer.Context,
    deal: Annotated[
        str | None, typer.Option(help="Только задачи этой сделки (её id или его начало).")
    ] = None,
    responsible: Annotated[
        str | None, typer.Option(help="Только задачи этого пользователя.")
    ] = None,
    mine: Annotated[bool, typer.Option(help="Только задачи пользователя из --as.")] = False,
    status: Annotated[
        str,
        typer.Option(help="open (открытые, по умолчанию), closed (закрытые) или any (все)."),
    ] = "open",
    overdue: Annotated[
        bool | None, typer.Option("--overdue/--not-overdue", help="Открытые с прошедшим сроком.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Не больше стольких (сначала новые).")] = 20,
    all_: Annotated[bool, typer.Option("--all", help="Все подходящие задачи.")] = False,
    wide: Wide = False,
) -> None:
    """Задачи, сначала новые; только открытые, если не сказано `--status closed` или
    `--status any`. У просроченной открытой задачи срок красный, закрытая бледная."""
    opts = options(ctx, wide=wide)
    if status not in _COUNTED:
        said = "open (открытые), closed (закрытые) или any (все)"
        raise typer.BadParameter(said, param_hint="--status")

    async def main() -> None:
        actor = opts.need_actor()
        who = actor if mine else responsible
        filters: dict[str, Any] = {
            "deal_id": deal,
            "responsible_id": who,
            "status": None if status == "any" else status,
            "overdue": overdue,
        }
        body = {k: v for k, v in filters.items() if v is not None}
        body["actor_id"] = actor
        async with connected(opts.nats_url) as bus:
            if deal is not None:
                body["deal_id"] = await resolve(bus, "deal", deal, actor)
            tasks = await collect(bus, ListTasks, body, None if all_ else limit)
        if opts.json:
            print_json(tasks)
        else:
            table = tasks_table(tasks, with_responsible=not mine, width=width(), wide=opts.wide)
            print_table(table, wide=opts.wide)
            err().print(count(len(tasks), *_COUNTED[status]))

    run(main())


@app.command()
def complete(ctx: typer.Context, task_id: str) -> None:
    """Отметить задачу выполненной (её ответственный или РОП сделки)."""
    opts = options(ctx)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            body = {"actor_id": actor, "task_id": await resolve(bus, "task", task_id, actor)}
            reply = as_json(await bus.send(CompleteTask, body))
        if opts.json:
            print_json(reply)
        else:
            task = reply["task"]
            out().print(
                f"[green]✓[/] задача {escape(task['id'])} "
                f"{task_status(task['status'], task.get('close_reason'))}: {escape(task['title'])}"
            )

    run(main())


@app.command()
def show(ctx: typer.Context, given: Annotated[str, typer.Argument(metavar="TASK")]) -> None:
    """Одна задача: что сделать (описание), срок и комментарии."""
    opts = options(ctx)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            task_id = await resolve(bus, "task", given, actor)
            query = {"actor_id": actor, "id_prefix": task_id, "limit": 1}
            reply = as_json(await bus.send(ListTasks, query))
            if not reply["items"]:
                raise CliError.said("not_found", reason="task")
            task = reply["items"][0]
            if task.get("comments_count", 0) > len(task["comments"]):
                # The payload carries the latest comments only: read every one.
                every = {"actor_id": actor, "task_id": task["id"]}
                task["comments"] = await collect(bus, TaskComments, every, None)
        if opts.json:
            print_json(task)
        else:
            out().print(task_panel(task, width=width()))

    run(main())


@app.command()
def comment(
    ctx: typer.Context,
    given: Annotated[str, typer.Argument(metavar="TASK")],
    text: Annotated[str, typer.Argument(help="Текст комментария.")],
) -> None:
    """Прокомментировать видимую вам задачу (например, почему срок сорван); другая сторона
    получит уведомление."""
    opts = options(ctx)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            task_id = await resolve(bus, "task", given, actor)
            body = {"actor_id": actor, "task_id": task_id, "text": text}
            reply = as_json(await bus.send(CommentTask, body))
        if opts.json:
            print_json(reply)
        else:
            task = reply["task"]
            out().print(
                f"[green]✓[/] комментарий {task['comments_count']} к задаче "
                f"{escape(task['id'][:8])}: {escape(task['title'])}"
            )

    run(main())
