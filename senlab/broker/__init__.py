"""The lab broker: Mosquitto's config, its accounts and their topic rights.

Every broker account is listed in ``SENLAB_HOME/broker/accounts.json`` (names and topic
rights, never passwords). From that registry SenLab writes Mosquitto's password file
(PBKDF2-SHA512 hashes) and ACL file, then asks the running broker to reload them.
Passwords are derived from one secret key, so the hub, the progress service and the CLI
can all hand a trainee the same credentials without storing them in clear.
"""

from senlab.broker.accounts import BrokerAccounts, Credentials, InvalidAccountName
from senlab.broker.config import write_broker_config

__all__ = ["BrokerAccounts", "Credentials", "InvalidAccountName", "write_broker_config"]
