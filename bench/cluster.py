"""A three-node NATS cluster on loopback, for the scale-out fault (issue 6, item 3).

Each node is a `nats-server` with JetStream on its own store, `sync_interval: always` (an
acknowledged publish is on disk on a quorum), and routes to the other two. The streams are
created with three replicas, so any one node may die without losing an acknowledged event.
Each node's configuration is written here (ports and routes of this run) and includes
deploy/nats/accounts.conf, as crm_shared.devstack does for one server: no anonymous client,
every service signs in as its own user, with passwords made once under the data dir.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from crm_shared.devstack import ADMIN_USER, NatsUsers, free_port, nats_server_binary

_CONF = """server_name: n{i}
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor}
jetstream {{
  store_dir: "{store}"
  sync_interval: always
}}
cluster {{
  name: crm-faults
  listen: 127.0.0.1:{route}
  routes: [{routes}]
}}
include "accounts.conf"
"""


class NatsCluster:
    """Three nats-server processes forming one JetStream cluster."""

    def __init__(self, data_dir: Path, size: int = 3) -> None:
        self.data_dir = data_dir
        self.ports = [free_port() for _ in range(size)]
        self.monitors = [free_port() for _ in range(size)]
        self.routes = [free_port() for _ in range(size)]
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * size
        self.users = NatsUsers(data_dir)

    def url_as(self, i: int, user: str) -> str:
        """Client URL of node i as `user` of accounts.conf (a service's user is its name)."""
        return f"nats://{user}:{self.users.passwords[user]}@127.0.0.1:{self.ports[i]}"

    def url(self, i: int) -> str:
        """Client URL of node i as the administrator (crm-admin), for the tools."""
        return self.url_as(i, ADMIN_USER)

    def start(self) -> NatsCluster:
        """Start every node and wait until each reports JetStream ready."""
        for i in range(len(self.ports)):
            self._launch(i)
        for i in range(len(self.ports)):
            self._wait_ready(i)
        return self

    def _launch(self, i: int) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.users.install(self.data_dir)
        routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in self.routes)
        conf = self.data_dir / f"n{i}.conf"
        conf.write_text(
            _CONF.format(
                i=i,
                port=self.ports[i],
                monitor=self.monitors[i],
                store=self.data_dir / f"n{i}",
                route=self.routes[i],
                routes=routes,
            )
        )
        with (self.data_dir / f"n{i}.log").open("ab") as log:
            self.procs[i] = subprocess.Popen(
                [str(nats_server_binary()), "-c", str(conf)],
                env={**os.environ, **self.users.environment()},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self, i: int, timeout: float = 60.0) -> None:
        url = f"http://127.0.0.1:{self.monitors[i]}/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"NATS node n{i} not ready; see {self.data_dir / f'n{i}.log'}")

    def kill(self, i: int) -> None:
        """SIGKILL node i: no flush, no goodbye to its peers."""
        proc = self.procs[i]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        self.procs[i] = None

    def restart(self, i: int) -> None:
        """Start node i again on its store; it catches up from its peers."""
        self.kill(i)
        self._launch(i)
        self._wait_ready(i)

    def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL)."""
        for i, proc in enumerate(self.procs):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.procs[i] = None
