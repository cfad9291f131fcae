"""What `crm import bitrix24` says to people: its counters' labels, its report and its
errors, by code. The program-readable report (`--json`) keeps the codes (`skipped`:
`{"code", "params"}`), and a person reads the sentence said here from the same code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .catalogue import DEAL_FIELD_NAMES, field_names, say

ENTITIES = {
    "stages": "стадии",
    "categories": "воронки",
    "category_stages": "стадии воронки «{name}»",
    "users": "пользователи",
    "userfields": "поля сделок",
    "contact_userfields": "поля контактов",
    "contacts": "контакты",
    "companies": "компании",
    "deals": "сделки",
    "history": "история стадий",
    "importing": "импорт сделок",
}
"""A counter's label for each entity read from the portal (and for the import itself)."""

PLAN_HEADER = """\
# План переноса из Битрикс24: `crm import bitrix24 --mapping <этот файл>`.
# Проверьте каждое `to` — это то, что станет у нас; пустое (`null`) — не сопоставлено.
# Ключи (`stages`, `users`, `fields`, `name`, `to`, id и коды) читает программа: их не
# переводите и не меняйте, правьте только значения `to`.
# `stages` — стадии Битрикс24: `name` — название там, `deals` — сколько сделок на ней сейчас,
#   `to` — код нашей стадии. Пока на несопоставленной стадии есть сделки, импорт не начнётся
#   (с --skip-unmapped он их пропустит); особенно проверьте успешные и провальные стадии.
# `users` — пользователи Битрикс24: `to` — id нашего пользователя, ответственного за сделку
#   (пусто — сделка распределяется, как новый лид).
# `fields` — поля сделок UF_CRM_* → наше поле, его код (пусто — не переносится; заполнено,
#   где название поля там — название нашего; `rop_id` читает пользователя через `users`):
{fields}
# `lists` — значения списочных полей: id значения → `to`, наш код (пусто — переносится
#   текст значения, `name`).
# `contact_fields` — собственные поля контактов UF_CRM_* → поле нашего контакта
#   (пусто — не переносится; заполнено, где название поля там — название нашего):
{contact_fields}
# `contact_lists` — значения списочных полей контактов, как `lists`.
"""
"""The plan file's header (a person edits the plan): `{fields}` and `{contact_fields}` are
the codes a field may be mapped to, a line each with its Russian name."""

LINES = {
    "plan_written": "[green]✓[/] план сопоставления записан в {path}",
    "summary": (
        "[green]✓[/] импортировано {imported}, обновлено {updated}, без изменений {unchanged}, "
        "пропущено {skipped}, удалено в Битрикс24 {deleted}"
    ),
    "updated": "[cyan]~[/] {key}: {fields}",
    "skipped": "[yellow]![/] {key}: {reason}",
    "missing_head": (
        "без полей, которых требует их стадия, — {count} (не проверялось при импорте; "
        "понадобятся при следующем переходе вперёд):"
    ),
    "missing": "  {key}: {fields}",
    "deleted_head": (
        "удалены в Битрикс24 и оставлены здесь — {count} (их история и задачи — настоящая "
        "работа; удалять или закрывать их решает человек):"
    ),
    "deleted": "  {key} «{title}», стадия «{stage}»: удалена в Битрикс24 — оставлена здесь",
    "deleted_unknown": (
        "в сохранённых ответах не все сделки портала ({read} из {total}): удалённые в "
        "Битрикс24 не искались"
    ),
    "unmapped_stage": "  «{name}»{about} — {deals}",
    "kind_won": "успешная: выигранные сделки",
    "kind_lost": "провальная: проигранные сделки",
    "unmapped_plan": (
        "[yellow]![/] на этих стадиях Битрикс24 есть сделки, а в плане они не сопоставлены "
        "(`to` пусто) — импорт по такому плану не начнётся:"
    ),
    "unmapped_refused": (
        "[red]ошибка:[/] импорт не начат: на этих стадиях Битрикс24 есть сделки, а в плане "
        "они не сопоставлены — их сделки не были бы перенесены:"
    ),
    "unmapped_how": (
        "укажите им `to` (код нашей стадии) в разделе `stages` плана или, если эти сделки "
        "переносить не нужно, запустите с --skip-unmapped: они будут пропущены и названы в отчёте"
    ),
    "unmapped_skipped": "[yellow]![/] не перенесены — их стадии не сопоставлены (--skip-unmapped):",
    "unmapped_users": (
        "[yellow]![/] эти сотрудники Битрикс24 ведут сделки, а в плане не сопоставлены (`to` "
        "пусто) — их сделки получат ответственного по очереди, как новые лиды:"
    ),
    "unmapped_user": "  {name} (№ {id} в Битрикс24) — {deals}",
    "user_unnamed": "без имени",
    "unmapped_users_how": (
        "чтобы сделки остались у своих менеджеров, укажите им `to` (код нашего пользователя, "
        "как mgr-1) в разделе `users` плана"
    ),
    "one_source": "укажите одно из двух: --webhook АДРЕС или --from ПАПКА",
    "bad_rate": "--rate: запросов в секунду должно быть больше нуля",
    "not_rop": "импортирует РОП: --as {actor} не РОП в конфигурации",
    "mapping_unreadable": "{path}: сопоставление не прочитано ({problem})",
    "mapping_not_dict": "{path}: ожидался словарь с разделами `stages`, `users`, `fields`",
    "no_answer": "портал не отвечает на {method}: {problem}",
    "no_result": "{method}: ответ портала без result ({status})",
    "limited": "{method}: портал {times} раз подряд ответил QUERY_LIMIT_EXCEEDED; повторите позже",
    "webhook_refused": (
        "портал не принял вебхук ({code}: {words}): он истёк или удалён; создайте входящий "
        "вебхук заново и передайте его адрес в --webhook"
    ),
    "refused": "{method}: портал ответил {status} {code}: {words}",
    "no_folder": "нет папки {path}",
    "not_json": "{path}: не JSON ({problem})",
}
"""Every line the command prints, by key (rich markup; the values are escaped by the caller)."""

SKIPS = {
    "stage_not_mapped": "стадия {stage} не сопоставлена (раздел `stages` плана)",
    "no_contact": "у сделки нет контакта (CONTACT_ID пуст или контакт не найден)",
    "empty_contact": "у контакта нет ни имени, ни телефона, ни e-mail",
    "invalid_field": "поле «{field}»: значение «{value}» не принято",
    "contact_without_deal": "контакт без сделки: контакты приходят со сделками",
}
"""Why a row was not imported, by the report's code; a refusal of deal-service is said by
the general catalogue (`say`)."""

_NAMES = {**DEAL_FIELD_NAMES, "stage": "Стадия", "contact.pays_by": "Как платит"}
_NAMES |= {"contact.segment": "Сегментация", "comment": "Комментарий", "pays_by": "Как платит"}
_NAMES |= {"segment": "Сегментация", "history": "История стадий"}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def line(which: str, /, **params: Any) -> str:
    """The line `which` with its values."""
    return LINES[which].format_map(_Blank({k: str(v) for k, v in params.items()}))


def entity(which: str, /, **params: Any) -> str:
    """A counter's label."""
    return ENTITIES[which].format_map(_Blank({k: str(v) for k, v in params.items()}))


def plan_header(deal_fields: list[str], contact_fields: list[str]) -> str:
    """The plan file's header, the fields that may be mapped to listed as «`subject` —
    Предмет сделки»."""

    def listed(codes: list[str]) -> str:
        return "\n".join(f"#   `{code}` — {_NAMES.get(code, code)}" for code in codes)

    return PLAN_HEADER.format(fields=listed(deal_fields), contact_fields=listed(contact_fields))


def fields(codes: list[str]) -> str:
    """Changed or missing fields by their Russian names («Стадия, Сумма»)."""
    return field_names(codes, _NAMES)


def skip_reason(skip: Mapping[str, Any], stages: Mapping[str, str] | None = None) -> str:
    """Why a row was skipped, from the report's `{"code", "params"}` (or a refusal's error)."""
    code = str(skip.get("code") or "")
    params = {k: "" if v is None else str(v) for k, v in dict(skip.get("params") or {}).items()}
    if code == "invalid_field":
        params["field"] = _NAMES.get(params.get("field", ""), params.get("field", ""))
    template = SKIPS.get(code)
    if template is None:
        return say(skip, stages)
    return template.format_map(_Blank(params))
