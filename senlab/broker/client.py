"""What a trainee's server is told about the lab broker: one place for both hubs.

The local hub's pre-spawn hook (`senlab.hub.spawner`) and the Kubernetes hub's
(`senlab.hub.k8s.config`) put this in the server's environment; `senlab.lab` reads it.
"""

from __future__ import annotations

from senlab.broker.accounts import BrokerAccounts
from senlab.broker.tls import client_environment
from senlab.settings import Settings


def trainee_environment(settings: Settings, username: str, *, tls: bool = True
                        ) -> dict[str, str]:
    """The trainee's broker host, port, credentials and topic root, and with `tls` the TLS
    port and the CA certificate to trust (when the broker listens with TLS)."""
    credentials = BrokerAccounts(settings).trainee(username)
    env = {
        "SENLAB_MQTT_HOST": credentials.host,
        "SENLAB_MQTT_PORT": str(credentials.port),
        "SENLAB_MQTT_USERNAME": credentials.username,
        "SENLAB_MQTT_PASSWORD": credentials.password,
        "SENLAB_TOPIC_ROOT": credentials.topic_root,
    }
    if tls:
        env.update(client_environment(settings))
    return env
