"""A dependency's `when_back` hooks run when the server is reached again after a drop."""

from crm_shared.machinery.health import Dependency, Health


def test_hooks_run_on_each_return_and_not_on_the_first_connection() -> None:
    dep = Dependency(Health(), "nats", "NATS", "nats://127.0.0.1:4222")
    calls: list[str] = []
    dep.when_back(lambda: calls.append("back"))
    dep.reached()  # the first connection: nothing was lost
    assert calls == []
    dep.lost()
    dep.failed(ConnectionRefusedError())
    dep.reached()
    assert calls == ["back"]
    dep.reached()  # no drop in between
    assert calls == ["back"]
    dep.lost()
    dep.reached()
    assert calls == ["back", "back"]


def test_a_drop_we_asked_for_calls_no_hook() -> None:
    dep = Dependency(Health(), "nats", "NATS", "nats://127.0.0.1:4222")
    calls: list[str] = []
    dep.when_back(lambda: calls.append("back"))
    dep.reached()
    dep.closing()
    dep.lost()
    dep.reached()
    assert calls == []
