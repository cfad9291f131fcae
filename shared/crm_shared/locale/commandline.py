"""The command lines' own words in Russian: what typer and the click it carries print around
a command — «Использование:», the help hint, the error panel and its sentence («Нет такого
параметра: --bogus», «Не указан аргумент 'DEAL'») — for `crm` and `python -m <service>`.

Why not a gettext catalogue: typer (0.27) runs on its own copy of click (`typer._click`),
whose sentences are plain f-strings with no `_()`, so a catalogue for click's domain would
never be read (only a few of typer's own strings go through gettext). The sentences are
therefore rebuilt here from what the exceptions carry (their class, option name, parameter,
possibilities), and the messages that are only text (a value's type, a path) by their fixed
English patterns; anything else is said in a Russian sentence quoting the original.
`speak_russian()` installs it: typer's error printer and the usage line's prefix.
"""

from __future__ import annotations

import re
from typing import Any

USAGE = "Использование: "
HELP_HINT = "Справка: [blue]'{command_path} {help_option}'[/]."
METAVARS = (
    ("[OPTIONS]", "[ПАРАМЕТРЫ]"),
    ("COMMAND [ARGS]...", "КОМАНДА [АРГУМЕНТЫ]..."),
)
PANELS = {
    "ARGUMENTS_PANEL_TITLE": "Аргументы",
    "OPTIONS_PANEL_TITLE": "Параметры",
    "COMMANDS_PANEL_TITLE": "Команды",
    "ERRORS_PANEL_TITLE": "Ошибка",
    "ABORTED_TEXT": "Прервано.",
    "DEFAULT_STRING": "[по умолчанию: {}]",
    "ENVVAR_STRING": "[переменная: {}]",
    "REQUIRED_LONG_STRING": "[обязательно]",
    "DEPRECATED_STRING": "(устарело) ",
    "RICH_HELP": HELP_HINT,
}
HELP_OPTION = "Показать эту справку и выйти."

# The text-only messages of typer's click, as (pattern, Russian template).
_TEXTS: tuple[tuple[str, str], ...] = (
    (
        r"No such command '(?P<x>.*)'\. Did you mean (?P<y>.*)\?",
        "Нет такой команды: '{x}'. Может быть, {y}?",
    ),
    (r"No such command '(?P<x>.*)'\.", "Нет такой команды: '{x}'."),
    (r"Missing command\.", "Не указана команда."),
    (r"Got unexpected extra argument(?:\(s\)|s)? \((?P<x>.*)\)", "Лишние аргументы: {x}."),
    (r"Option '(?P<x>.*)' requires an argument\.", "Параметру {x} нужно значение."),
    (r"Option '(?P<x>.*)' requires (?P<y>\d+) arguments\.", "Параметру {x} нужно значений: {y}."),
    (r"Option '(?P<x>.*)' does not take a value\.", "Параметр {x} не принимает значения."),
    (r"Argument '(?P<x>.*)' takes (?P<y>\d+) values\.", "Аргументу {x} нужно значений: {y}."),
    (r"(?P<x>.*) is not one of (?P<y>.*)\.", "{x} — не одно из значений: {y}."),
    (r"(?P<x>.*) is not a valid int(?:eger)?(?: range)?\.", "{x} — не целое число."),
    (r"(?P<x>.*) is not a valid float(?: range)?\.", "{x} — не число."),
    (r"(?P<x>.*) is not a valid boolean\..*", "{x} — не «да» или «нет» (true/false)."),
    (r"(?P<x>.*) is not a valid UUID\.", "{x} — не UUID."),
    (r"(?P<x>.*) is not a valid (?P<y>.*)\.", "{x} — неверное значение ({y})."),
    (r"(?P<x>.*) does not match the formats (?P<y>.*)\.", "{x} не подходит под форматы {y}."),
    (r"(?P<x>.*) is not in the range (?P<y>.*)\.", "{x} — вне диапазона {y}."),
    (r"\w+ (?P<x>.*) does not exist\.", "{x} не существует."),
    (r"\w+ (?P<x>.*) is a file\.", "{x} — файл, а нужен каталог."),
    (r"\w+ (?P<x>.*) is a directory\.", "{x} — каталог, а нужен файл."),
    (r"\w+ (?P<x>.*) is not readable\.", "{x} не читается (нет прав)."),
    (r"\w+ (?P<x>.*) is not writable\.", "{x} не записывается (нет прав)."),
    (r"(?P<y>\d+) values are required, but (?P<x>\d+) given\.", "Нужно значений: {y}, дано: {x}."),
    (r"Takes (?P<y>\d+) values but (?P<x>\d+) given\.", "Нужно значений: {y}, дано: {x}."),
)
_CYRILLIC = re.compile("[А-Яа-яЁё]")


def text(message: str) -> str:
    """A message of typer's click in Russian; one already Russian (ours) stays as it is, and
    an unknown English one is quoted in a Russian sentence."""
    message = message.strip()
    for pattern, template in _TEXTS:
        found = re.fullmatch(pattern, message, flags=re.DOTALL)
        if found:
            return template.format(**{k: v or "" for k, v in found.groupdict().items()})
    if not message or _CYRILLIC.search(message):
        return message
    return f"Команда не принята: «{message}»."


def sentence(error: Any) -> str:
    """The Russian sentence of a click error (`typer._click.exceptions.ClickException`),
    from its class and what it carries."""
    kind = type(error).__name__
    ctx = getattr(error, "ctx", None)
    param = getattr(error, "param", None)
    hint = getattr(error, "param_hint", None)
    if param is not None and hint is None:
        hint = param.get_error_hint(ctx) if ctx is not None else repr(param.name)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(repr(h) for h in hint)
    if kind == "NoSuchOption":
        said = f"Нет такого параметра: {error.option_name}."
        if error.possibilities:
            said += f" Может быть: {', '.join(sorted(error.possibilities))}?"
        return said
    if kind == "MissingParameter":
        what = getattr(error, "param_type", None) or (param.param_type_name if param else "")
        noun = {"argument": "аргумент", "option": "параметр"}.get(what or "", "значение")
        extra = text(error.message) if error.message else ""
        return f"Не указан {noun}{' ' + hint if hint else ''}.{' ' + extra if extra else ''}"
    if kind == "BadParameter":
        said = text(error.message)
        return f"Неверное значение {hint}: {said}" if hint else f"Неверное значение: {said}"
    return text(str(getattr(error, "message", error)))


def usage(line: str) -> str:
    """A usage line with Russian words: «Использование: crm deal move [ПАРАМЕТРЫ] …»."""
    line = line.replace("Usage: ", USAGE, 1)
    for english, russian in METAVARS:
        line = line.replace(english, russian)
    return line


def speak_russian() -> None:
    """Make typer and its click print their own words in Russian: the panels' titles, the
    error printer (usage, help hint, the sentence), the usage line of the help, and the help
    option's own description. Idempotent; called before a command line runs."""
    from rich.markup import escape
    from rich.panel import Panel
    from typer import rich_utils
    from typer._click import decorators, formatting

    for name, value in PANELS.items():
        setattr(rich_utils, name, value)

    def format_error(error: Any) -> None:
        if type(error).__name__ == "NoArgsIsHelpError":
            return
        console = rich_utils._get_rich_console(stderr=True)
        ctx = getattr(error, "ctx", None)
        if ctx is not None:
            console.print(usage(ctx.get_usage()), style=rich_utils.STYLE_USAGE_COMMAND)
            if ctx.command.get_help_option(ctx) is not None:
                hint = HELP_HINT.format(
                    command_path=escape(ctx.command_path), help_option=ctx.help_option_names[0]
                )
                console.print(hint, style=rich_utils.STYLE_ERRORS_SUGGESTION)
        console.print(
            Panel(
                escape(sentence(error)),
                border_style=rich_utils.STYLE_ERRORS_PANEL_BORDER,
                title=PANELS["ERRORS_PANEL_TITLE"],
                title_align=rich_utils.ALIGN_ERRORS_PANEL,
            )
        )

    rich_utils.rich_format_error = format_error  # type: ignore[assignment]
    formatter = formatting.HelpFormatter
    if not getattr(formatter.write_usage, "russian", False):
        english = formatter.write_usage

        def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
            english(self, prog, usage(args), USAGE if prefix is None else prefix)

        write_usage.russian = True  # type: ignore[attr-defined]
        formatter.write_usage = write_usage  # type: ignore[method-assign]
    if not getattr(decorators.help_option, "russian", False):
        help_option = decorators.help_option

        def russian_help_option(param_decls: list[str]) -> Any:
            add = help_option(param_decls)

            def apply(command: Any) -> Any:
                added = add(command)
                command.params[-1].help = HELP_OPTION  # the option just added
                return added

            return apply

        russian_help_option.russian = True  # type: ignore[attr-defined]
        decorators.help_option = russian_help_option
