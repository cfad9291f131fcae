"""Who sees and changes what (issue 14): the configuration's `access`, its one own-vs-all rule
(crm_shared.config.access) and deal-service's checks, without a database (the bus tests are
tests/e2e/test_permissions.py)."""

from __future__ import annotations

import pytest

from crm_shared.config import ConfigError
from crm_shared.config.access import check_owner, narrowed, scope
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.locale import say
from deal_service.domain.access import check_may_assign, check_may_see
from tests.configs import config_with
from tests.unit.test_deal_rules import new

OWN = config_with()
ALL = config_with(change=lambda data: data.update(access={"manager": "all"}))


def _code(call: object, *args: object, **kw: object) -> ErrorCode:
    with pytest.raises(Refused) as refused:
        call(*args, **kw)  # type: ignore[operator]
    return refused.value.error.code


def test_the_default_is_own_for_managers_and_all_for_the_rop() -> None:
    assert OWN.access.manager == "own" and OWN.access.rop == "all"
    assert OWN.sees_all("rop-1") and not OWN.sees_all("mgr-1") and not OWN.sees_all("ghost")
    assert ALL.sees_all("mgr-1") and ALL.sees_all("rop-1")
    with pytest.raises(ConfigError, match=r"access\.rop: допустимые значения: 'all'"):
        config_with(change=lambda data: data.update(access={"rop": "own"}))


def test_scope_narrows_a_manager_with_own_to_their_deals() -> None:
    assert scope(OWN, "rop-1") is None and scope(OWN, "mgr-1") == "mgr-1"
    assert scope(ALL, "mgr-1") is None
    assert _code(scope, OWN, "ghost") is ErrorCode.not_found
    assert narrowed(OWN, "mgr-1", None) == "mgr-1" == narrowed(OWN, "mgr-1", "mgr-1")
    assert narrowed(OWN, "rop-1", "mgr-2") == "mgr-2" and narrowed(OWN, "rop-1", None) is None
    assert _code(narrowed, OWN, "mgr-1", "mgr-2") is ErrorCode.forbidden
    assert narrowed(ALL, "mgr-1", "mgr-2") == "mgr-2"


def test_a_manager_sees_only_the_deals_they_are_responsible_for() -> None:
    deal = new()  # responsible mgr-1
    check_may_see(OWN, deal, "mgr-1")
    check_may_see(OWN, deal, "rop-1")
    check_may_see(ALL, deal, "mgr-2")
    assert _code(check_may_see, OWN, deal, "mgr-2") is ErrorCode.forbidden


def test_only_a_rop_reassigns_or_replaces_a_rop() -> None:
    for config in (OWN, ALL):
        check_may_assign(config, "mgr-1", responsible=("mgr-1", "mgr-1"))
        check_may_assign(config, "mgr-1", rop=(None, "rop-1"))  # filling an empty РОП field
        check_may_assign(config, "rop-1", responsible=("mgr-1", "mgr-2"), rop=("rop-1", None))
        moved = _code(check_may_assign, config, "mgr-1", responsible=("mgr-1", "mgr-2"))
        assert moved is ErrorCode.forbidden
        cleared = _code(check_may_assign, config, "mgr-1", responsible=("mgr-1", None))
        assert cleared is ErrorCode.forbidden
        replaced = _code(check_may_assign, config, "mgr-1", rop=("rop-1", None))
        assert replaced is ErrorCode.forbidden


def _reason(call: object, *args: object, **kw: object) -> str | None:
    with pytest.raises(Refused) as refused:
        call(*args, **kw)  # type: ignore[operator]
    return (refused.value.error.params or {}).get("reason")


def test_one_rule_for_deals_and_tasks() -> None:
    """deal-service and task-service both ask crm_shared.config.access; task-service's own
    copy of the rule refused a task filter without a reason (a person read the general
    «forbidden» sentence) and an unknown actor of a deal's task timeline without one."""
    assert narrowed(OWN, "mgr-1", None, of="tasks") == "mgr-1"
    assert _reason(narrowed, OWN, "mgr-1", "mgr-2", of="tasks") == "others_tasks"
    assert _reason(narrowed, OWN, "mgr-1", "mgr-2") == "others_deals"
    assert say({"code": "forbidden", "params": {"reason": "others_tasks"}}) == (
        "Вам видны только ваши задачи."
    )
    check_owner(OWN, "mgr-1", "mgr-1", "the tasks of deal d")
    check_owner(OWN, "rop-1", "mgr-1", "the tasks of deal d")
    check_owner(ALL, "mgr-2", None, "the tasks of deal d")
    assert _reason(check_owner, OWN, "mgr-2", "mgr-1", "deal d") == "not_own"
    assert _reason(check_owner, OWN, "mgr-2", None, "deal d") == "not_own"
    assert _reason(check_owner, OWN, "ghost", "mgr-1", "deal d") == "user"
