"""The launcher's words for what it reads from programs: a /healthz report's codes and a
failed connection's exception, said in Russian to the operator of `make run`."""

from __future__ import annotations

import socket

from crm_shared.devstack._reach import describe_ru
from crm_shared.devstack.supervisor import _waits_for


def test_a_healthz_report_is_said_in_words_and_an_unknown_state_as_its_code() -> None:
    report = {"postgres": "ok", "nats": "connecting", "nats_requests": "connecting"}
    assert _waits_for(report) == "NATS: подключается"
    assert _waits_for({"postgres": "reconnecting", "nats": "ok"}) == "PostgreSQL: переподключается"
    assert _waits_for({"nats": "ok", "service": "starting"}) == "запускается"
    assert _waits_for({"redis": "warming_up"}) == "redis: warming_up"


def test_a_failed_connection_is_said_in_russian_and_a_server_s_own_words_are_quoted() -> None:
    assert describe_ru(ConnectionRefusedError(111, "Connection refused")) == "соединение отклонено"
    assert describe_ru(TimeoutError()) == "нет ответа (время ожидания истекло)"
    unknown_host = socket.gaierror(-2, "Name or service not known")
    assert describe_ru(unknown_host) == "адрес не найден («Name or service not known»)"
    said = describe_ru(RuntimeError("password authentication failed for nats://u:pw@h:1"))
    assert said == "«password authentication failed for nats://u:***@h:1»"
