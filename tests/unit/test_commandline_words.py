"""typer's click sentences in Russian (crm_shared.locale.commandline): each fixed English
pattern has its sentence, ours stay as they are, an unknown one is quoted, never left bare."""

from __future__ import annotations

import pytest

from crm_shared.locale.commandline import sentence, text, usage


@pytest.mark.parametrize(
    ("english", "russian"),
    [
        ("No such command 'mov'.", "Нет такой команды: 'mov'."),
        (
            "No such command 'mov'. Did you mean 'move'?",
            "Нет такой команды: 'mov'. Может быть, 'move'?",
        ),
        ("Missing command.", "Не указана команда."),
        ("Got unexpected extra argument(s) (a b)", "Лишние аргументы: a b."),
        ("Option '--to' requires an argument.", "Параметру --to нужно значение."),
        ("Option '--flag' does not take a value.", "Параметр --flag не принимает значения."),
        ("'x' is not a valid integer.", "'x' — не целое число."),
        ("'x' is not one of 'json', 'tilda'.", "'x' — не одно из значений: 'json', 'tilda'."),
        ("File 'a.yaml' does not exist.", "'a.yaml' не существует."),
        ("Сделка не найдена.", "Сделка не найдена."),
        ("Something new happened", "Команда не принята: «Something new happened»."),
    ],
)
def test_each_sentence(english: str, russian: str) -> None:
    assert text(english) == russian


def test_an_exception_is_said_from_what_it_carries() -> None:
    from typer._click.exceptions import NoSuchOption

    said = sentence(NoSuchOption("--to", possibilities=["--too", "--top"]))
    assert said == "Нет такого параметра: --to. Может быть: --too, --top?"
    assert usage("Usage: crm deal [OPTIONS] COMMAND [ARGS]...") == (
        "Использование: crm deal [ПАРАМЕТРЫ] КОМАНДА [АРГУМЕНТЫ]..."
    )
