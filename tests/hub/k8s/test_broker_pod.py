"""The broker pod's run.sh against a real Mosquitto: the hub's accounts reach it live.

On Kubernetes the hub writes the password and ACL files on the shared volume and cannot
signal Mosquitto in its pod; run.sh watches the files and reloads it. This runs the
ConfigMap's own script and config, with only the paths and the port changed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from senlab.broker import BrokerAccounts
from senlab.settings import Settings
from tests.stack.harness import free_ports, reachable_tmpdir

pytestmark = pytest.mark.integration


def pod_files(resources, home: Path, port: int) -> tuple[str, str]:
    data = resources[("ConfigMap", "senlab-broker-config")]["data"]
    conf = (data["mosquitto.conf"]
            .replace("/senlab/broker/", f"{home}/broker/")
            .replace("/mosquitto/data/", f"{home}/mosquitto-data/")
            .replace("listener 1883 0.0.0.0", f"listener {port} 127.0.0.1"))
    if os.geteuid() == 0:
        conf += "user root\n"  # the pod runs it as uid 1000, the files' owner
    return conf, data["run.sh"]


@pytest.fixture
def broker_pod(resources):
    if shutil.which("mosquitto") is None:
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    home = reachable_tmpdir()
    port = free_ports(1)[0]
    settings = Settings(home=home, mqtt_port=port)
    accounts = BrokerAccounts(settings)
    accounts.trainee("trainee1")  # as the hub's pre-spawn hook does
    conf, script = pod_files(resources, home, port)
    (home / "mosquitto-data").mkdir()
    (home / "mosquitto.conf").write_text(conf)
    (home / "run.sh").write_text(script)
    env = {"PATH": os.environ["PATH"], "SENLAB_BROKER_DIR": str(home / "broker"),
           "MOSQUITTO_CONF": str(home / "mosquitto.conf"), "SENLAB_BROKER_WATCH_SECONDS": "1"}
    proc = subprocess.Popen(["sh", str(home / "run.sh")], env=env, start_new_session=True)
    try:
        wait_for_port(port)
        yield settings, accounts, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        shutil.rmtree(home, ignore_errors=True)


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"the broker pod never listened on {port}"
            time.sleep(0.1)


def connect(port: int, username: str, password: str) -> int:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(username, password)
    result: dict = {}
    client.on_connect = lambda _c, _u, _f, rc, _p: result.setdefault("rc", rc.value)
    client.connect("127.0.0.1", port)
    deadline = time.monotonic() + 5
    while "rc" not in result and time.monotonic() < deadline:
        client.loop(0.1)
    client.disconnect()
    return result.get("rc", -2)


def test_the_hubs_accounts_are_served_and_anonymous_and_wrong_ones_refused(broker_pod):
    settings, accounts, _ = broker_pod
    creds = accounts.trainee("trainee1")
    assert connect(settings.mqtt_port, creds.username, creds.password) == 0
    assert connect(settings.mqtt_port, creds.username, "wrong") == 135


def test_an_account_the_hub_adds_later_works_without_dropping_anyone(broker_pod):
    settings, accounts, _ = broker_pod
    first = accounts.trainee("trainee1")
    watcher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    watcher.username_pw_set(first.username, first.password)
    drops: list = []
    watcher.on_disconnect = lambda *args: drops.append(args)
    watcher.connect("127.0.0.1", settings.mqtt_port)
    watcher.loop_start()
    try:
        late = accounts.trainee("trainee2")
        assert not accounts.pid_path.exists()  # no pid to signal: only run.sh can reload
        deadline = time.monotonic() + 20
        while connect(settings.mqtt_port, late.username, late.password) != 0:
            assert time.monotonic() < deadline, "run.sh never reloaded the new account"
            time.sleep(0.3)
        assert watcher.is_connected() and drops == []
    finally:
        watcher.loop_stop()
        watcher.disconnect()


def test_sigterm_stops_the_broker_and_the_script(broker_pod):
    settings, _, proc = broker_pod
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", settings.mqtt_port), timeout=1).close()
