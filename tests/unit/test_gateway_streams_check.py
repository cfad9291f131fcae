"""The gateway's check of its live streams' credentials, on its own (no servers)."""

from __future__ import annotations

from gateway.domain.people import Principal
from gateway.handlers.streams import Streams


def _person(user: str, session: str) -> Principal:
    return Principal(kind="user", id=user, name=user, credential=f"session:{session}")


async def test_a_stream_opened_while_the_check_asks_the_database_is_not_ended() -> None:
    """A run of the whole suite saw it: the РОП's stream, opened while a check round waited
    for the database, was ended at once, as if its session were gone."""
    streams = Streams()
    ended: list[str] = []
    old = streams.admit(_person("mgr-2", "s-old"))
    old.end = lambda: ended.append("mgr-2")
    gone = streams.admit(_person("mgr-1", "s-gone"))
    gone.end = lambda: ended.append("mgr-1")

    async def live(sessions: set[str], tokens: set[str]) -> set[str]:
        assert sessions == {"s-old", "s-gone"} and not tokens
        new = streams.admit(_person("rop-1", "s-new"))  # while the database answers
        new.end = lambda: ended.append("rop-1")
        return {"session:s-old"}

    await streams.check(live)
    assert ended == ["mgr-1"]  # the signed-out session's only

    async def none_live(sessions: set[str], tokens: set[str]) -> set[str]:
        return set()

    ended.clear()
    await streams.check(none_live)  # the next round does check the new one
    assert sorted(ended) == ["mgr-1", "mgr-2", "rop-1"]
