"""The whole stack, for real: hub, proxy, broker, progress service, fleet, a trainee's server.

Tests run in file order on one stack; the last one stops it.
"""

from __future__ import annotations

import os
import pwd
import signal
import socket
import threading
import time

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

import senlab.lab
from senlab.settings import Settings
from tests.stack.harness import DEMO_PASSWORD, Stack, login, process_environ

pytestmark = pytest.mark.integration
SERVICES = ("broker", "progress", "fleet", "grader")


def mqtt_connect(port: int, username: str | None, password: str | None) -> tuple[mqtt.Client, int]:
    """Connect a real paho client; return it and the CONNACK reason code (0 is accepted)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    if username is not None:
        client.username_pw_set(username, password)
    connected = threading.Event()
    result = {}

    def on_connect(_client, _userdata, _flags, reason_code, _properties):
        result["rc"] = reason_code.value
        connected.set()

    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert connected.wait(10), "no CONNACK within 10 s"
    return client, result["rc"]


def collect(client: mqtt.Client, topic: str) -> list[tuple[str, bytes]]:
    received: list[tuple[str, bytes]] = []
    client.on_message = lambda _c, _u, message: received.append((message.topic, message.payload))
    client.subscribe(topic, qos=1)
    return received


def start_server(stack: Stack, user: str) -> dict[str, str]:
    """Log in through the form, start the user's server, return its environment."""
    client = login(stack, user)
    xsrf = client.cookies.get("_xsrf")
    response = client.post(f"/hub/api/users/{user}/server", headers={"X-XSRFToken": xsrf})
    assert response.status_code in (201, 202), response.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        model = client.get(f"/hub/api/users/{user}", headers={"X-XSRFToken": xsrf}).json()
        if model["servers"].get("", {}).get("ready"):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"{user}'s server was not ready within 90 s")
    lab = client.get(f"/user/{user}/lab")  # the browser's OAuth round trip to the server
    assert lab.status_code == 200 and "JupyterLab" in lab.text
    pids = stack.processes(JUPYTERHUB_USER=user)
    assert pids, f"no server process for {user}"
    return process_environ(pids[0])


def test_a_demo_trainee_logs_in_through_the_form(stack):
    client = login(stack, "trainee1")
    assert client.get("/hub/api/user").json()["name"] == "trainee1"


def test_a_wrong_password_is_refused_at_the_form(stack):
    client = login(stack, "trainee1", password="not-the-password")
    assert client.get("/hub/api/user").status_code == 403


def test_the_trainees_server_starts_with_broker_credentials(stack):
    env = start_server(stack, "trainee1")
    assert env["SENLAB_MQTT_USERNAME"] == "trainee1"
    assert env["SENLAB_TOPIC_ROOT"] == "labs/trainee1"
    assert env["SENLAB_MQTT_PORT"] == str(stack.ports["MQTT_PORT"])
    assert len(env["SENLAB_MQTT_PASSWORD"]) >= 24
    stack.trainee1_env = env


def test_a_server_runs_as_its_own_system_account(stack):
    pid = stack.processes(JUPYTERHUB_USER="trainee1")[0]
    status = open(f"/proc/{pid}/status").read()
    uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
    expected = "trainee1" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    assert pwd.getpwuid(uid).pw_name == expected
    home = stack.home / "users" / "trainee1"
    assert process_environ(pid)["HOME"] == str(home)
    if os.geteuid() == 0:
        assert home.stat().st_mode & 0o077 == 0  # no one else reads a trainee's files


def test_the_injected_credentials_reach_the_trainees_own_subtree_only(stack):
    env = stack.trainee1_env
    port = stack.ports["MQTT_PORT"]
    trainee1, rc = mqtt_connect(port, env["SENLAB_MQTT_USERNAME"], env["SENLAB_MQTT_PASSWORD"])
    assert rc == 0
    # trainee2 publishes in their own subtree with their own credentials.
    from senlab.broker import BrokerAccounts
    from senlab.settings import Settings

    creds2 = BrokerAccounts(Settings(home=stack.home, mqtt_port=port)).trainee("trainee2")
    trainee2, rc = mqtt_connect(port, creds2.username, creds2.password)
    assert rc == 0
    own = collect(trainee1, "labs/trainee1/#")
    everything = []
    spy, _ = mqtt_connect(port, env["SENLAB_MQTT_USERNAME"], env["SENLAB_MQTT_PASSWORD"])
    everything = collect(spy, "#")
    time.sleep(0.5)
    trainee1.publish("labs/trainee1/check", b"mine", qos=1).wait_for_publish(5)
    trainee2.publish("labs/trainee2/secret", b"theirs", qos=1).wait_for_publish(5)
    trainee1.publish("labs/trainee2/intrusion", b"x", qos=1).wait_for_publish(5)
    time.sleep(1.5)
    assert ("labs/trainee1/check", b"mine") in own
    topics = {topic for topic, _ in everything}
    assert "labs/trainee2/secret" not in topics
    assert "labs/trainee2/intrusion" not in topics
    assert topics <= {"labs/trainee1/check"}
    for client in (trainee1, trainee2, spy):
        client.disconnect()
        client.loop_stop()


def test_a_trainee_starts_a_lab_from_their_server_and_its_devices_publish(stack):
    env = stack.trainee1_env
    settings = Settings(home=stack.home, progress_url=f"{stack.url}/services/progress/",
                        hub_service_token=env["JUPYTERHUB_API_TOKEN"])
    lab = senlab.lab.start("iot101-sensors", settings=settings)
    assert lab.topic_root == "labs/trainee1/iot101-sensors"
    assert (lab.username, lab.port) == ("trainee1", stack.ports["MQTT_PORT"])
    assert lab.devices
    client = lab.mqtt_client()
    received = collect(client, lab.topic_root + "/#")
    expected = {f"{device['topic']}/telemetry" for device in lab.devices}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not expected <= {t for t, _ in received}:
        time.sleep(0.1)
    client.loop_stop()
    assert expected <= {topic for topic, _ in received}
    assert {f"{device['topic']}/meta" for device in lab.devices} <= {t for t, _ in received}
    again = senlab.lab.start("iot101-sensors", settings=settings)
    assert again.devices == lab.devices
    table = lab.check()
    assert table.checks and all({"id", "passed"} <= set(check) for check in table.checks)


def test_an_unknown_lab_is_refused_with_its_name(stack):
    settings = Settings(home=stack.home, progress_url=f"{stack.url}/services/progress/",
                        hub_service_token=stack.trainee1_env["JUPYTERHUB_API_TOKEN"])
    with pytest.raises(senlab.lab.LabError, match="no-such-lab"):
        senlab.lab.start("no-such-lab", settings=settings)


@pytest.mark.parametrize("username,password", [(None, None), ("trainee1", "wrong-password"),
                                               ("nobody", "whatever")])
def test_anonymous_and_wrong_password_clients_are_refused(stack, username, password):
    client, rc = mqtt_connect(stack.ports["MQTT_PORT"], username, password)
    client.loop_stop()
    assert rc != 0


def test_progress_health_answers_through_the_proxy_without_auth(stack):
    response = httpx.get(f"{stack.url}/services/progress/api/health", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


def test_progress_api_refuses_requests_without_a_hub_token(stack):
    response = httpx.get(f"{stack.url}/services/progress/api/goals", timeout=10)
    assert response.status_code in (401, 403)


def test_the_hub_restarts_each_managed_service_that_dies(stack):
    stack_id = stack.stack_id()
    before = {name: stack.processes(stack_id, JUPYTERHUB_SERVICE_NAME=name) for name in SERVICES}
    for name, pids in before.items():
        assert pids, f"service {name} is not running"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 75  # the hub polls its services every 30 s
    back: dict[str, list[int]] = {}
    while time.monotonic() < deadline and len(back) < len(SERVICES):
        for name in SERVICES:
            pids = stack.processes(stack_id, JUPYTERHUB_SERVICE_NAME=name)
            if pids and not set(pids) & set(before[name]):
                back[name] = pids
        time.sleep(1)
    assert set(back) == set(SERVICES), f"not restarted: {set(SERVICES) - set(back)}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            client, rc = mqtt_connect(stack.ports["MQTT_PORT"], "trainee1",
                                      stack.trainee1_env["SENLAB_MQTT_PASSWORD"])
        except (ConnectionRefusedError, AssertionError):
            time.sleep(0.5)
            continue
        client.loop_stop()
        assert rc == 0
        break
    else:
        pytest.fail("the restarted broker does not accept trainee1")


def test_demo_password_is_the_one_given(stack):
    assert DEMO_PASSWORD in stack.output.read_text()


def test_sigterm_stops_everything_within_15_seconds(stack):
    stack_id = stack.stack_id()
    assert len(stack.processes(stack_id)) >= 5  # hub, proxy, 3 services, a server
    took = stack.stop(timeout=15)
    assert stack.proc.returncode == 0
    assert took < 15
    assert stack.processes(stack_id) == []
    for name, port in stack.ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port)), f"{name} {port} still taken"
