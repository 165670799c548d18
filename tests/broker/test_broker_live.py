"""The broker config against a real Mosquitto: no anonymous access, ACLs, live reloads."""

from __future__ import annotations

import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from senlab.broker import BrokerAccounts, write_broker_config
from senlab.settings import Settings
from tests.stack.harness import free_ports, reachable_tmpdir

pytestmark = pytest.mark.integration


@pytest.fixture
def broker():
    home = reachable_tmpdir()
    plain, tls = free_ports(2)  # the TLS listener too, on loopback: no clash with 8883
    settings = Settings(home=home, mqtt_port=plain, mqtt_tls_port=tls, mqtt_tls_host="127.0.0.1")
    accounts = BrokerAccounts(settings)
    conf = write_broker_config(settings)
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)])
    deadline = time.monotonic() + 10
    while not accounts.pid_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield settings, accounts
    proc.terminate()
    proc.wait(10)


def connect(settings: Settings, username: str | None, password: str | None) -> int:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    if username:
        client.username_pw_set(username, password)
    try:
        client.connect("127.0.0.1", settings.mqtt_port)
    except ConnectionRefusedError:
        return -1
    result = {}
    client.on_connect = lambda _c, _u, _f, rc, _p: result.setdefault("rc", rc.value)
    deadline = time.monotonic() + 5
    while "rc" not in result and time.monotonic() < deadline:
        client.loop(0.1)
    client.disconnect()
    return result.get("rc", -2)


def test_anonymous_clients_are_refused(broker):
    settings, _ = broker
    assert connect(settings, None, None) == 135  # "Not authorized" (CONNACK 5 in 3.1.1)


def test_an_account_added_while_running_works_after_the_reload(broker):
    settings, accounts = broker
    creds = accounts.trainee("latecomer")  # writes the files and sends SIGHUP
    deadline = time.monotonic() + 5
    while connect(settings, creds.username, creds.password) != 0:
        assert time.monotonic() < deadline, "the reloaded broker still refuses the account"
        time.sleep(0.2)


def test_a_removed_account_is_refused_after_the_reload(broker):
    settings, accounts = broker
    creds = accounts.trainee("leaver")
    deadline = time.monotonic() + 5
    while connect(settings, creds.username, creds.password) != 0:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    accounts.remove("leaver")
    deadline = time.monotonic() + 5
    while connect(settings, creds.username, creds.password) == 0:
        assert time.monotonic() < deadline, "the removed account still connects"
        time.sleep(0.2)
