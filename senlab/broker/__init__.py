"""The lab broker: Mosquitto's config, its accounts and their topic rights.

`acl` is the rule of who may reach which topics (MQTT and Sparkplug B) and writes the ACL
file; `accounts` keeps the registry in ``SENLAB_HOME/broker/accounts.json`` and writes the
password file (PBKDF2-SHA512 hashes) and ACL file from it; `config` writes mosquitto.conf;
`private` runs a Mosquitto of its own from the same three, on a free port, for live
validation, tests and benchmarks. Passwords are derived from one secret key, so the hub,
the progress service and the CLI can all hand a trainee the same credentials without
storing them in clear.
"""

from senlab.broker.accounts import BrokerAccounts, Credentials
from senlab.broker.acl import InvalidAccountName
from senlab.broker.config import write_broker_config

__all__ = ["BrokerAccounts", "Credentials", "InvalidAccountName", "write_broker_config"]
