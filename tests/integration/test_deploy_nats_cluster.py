"""deploy/nats/n1..n3 as one cluster on a real nats-server each: the streams stay R3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NoStreamResponseError

from crm_shared.machinery.bus import STREAMS, ensure_streams
from tests.nats_servers import PASSWORDS, copy_configs, servers, wait_healthy
from tests.support import eventually


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[JetStreamContext]:
    """deploy/nats/n1..n3 running as one cluster; JetStream as crm-admin, streams R3."""
    nodes = ["n1.conf", "n2.conf", "n3.conf"]
    moved = copy_configs(tmp_path, nodes)
    urls = [f"nats://127.0.0.1:{moved[p]}" for p in (4241, 4242, 4243)]
    with servers(tmp_path, nodes):
        await wait_healthy(tmp_path, nodes, timeout=40)
        admin = await nats.connect(servers=urls, user="crm-admin", password=PASSWORDS["crm-admin"])
        try:
            js = admin.jetstream(timeout=10)
            await eventually(lambda: _ensure(js), timeout=30)
            yield js
        finally:
            await admin.close()


async def test_three_node_cluster_keeps_r3_streams(cluster: JetStreamContext) -> None:
    for name in STREAMS:
        info = await cluster.stream_info(name)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and len(info.cluster.replicas or []) == 2
        peers = {info.cluster.leader, *(r.name for r in info.cluster.replicas or [])}
        assert peers == {"n1", "n2", "n3"}
    ack = await eventually(lambda: _publish(cluster), timeout=30)
    assert ack.stream == "CRM_LEADS" and not ack.duplicate


async def test_a_service_start_leaves_r3_streams_r3(cluster: JetStreamContext) -> None:
    await ensure_streams(cluster)  # what Runtime.connect() does
    assert (await cluster.stream_info("CRM_EVENTS")).config.num_replicas == 3


async def _publish(js: JetStreamContext) -> Any:
    """One publish; right after the streams are made, the subject's interest may not yet
    have reached the node this client is on (no responders): the caller tries again."""
    try:
        return await js.publish("crm.lead.received", b"{}", headers={"Nats-Msg-Id": "x"})
    except NoStreamResponseError:
        return None


async def _ensure(js: Any) -> bool:
    """Create the streams R3; right after start the meta leader may still be in election."""
    try:
        await ensure_streams(js, replicas=3)
    except Exception:
        return False
    return True
