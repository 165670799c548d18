"""The fleet as the service the progress service calls: a real process, broker and HTTP.

Starts ``python -m lab_devices.fleet.service`` against a private Mosquitto under
production's rules (``senlab.broker.private.PrivateBroker``), logged in with the fleet's
service account as ``senlab up`` starts it, and drives its control API with a bearer
token. (Its events, which ``senlab.fleet`` gives it a sink for, are tested in
tests/test_fleet.py and, through the whole stack, in tests/stack.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest

from senlab.broker.private import PrivateBroker, free_port

REPO = Path(__file__).resolve().parents[3]
TOKEN = "service-control-token-0123456789"
pytestmark = pytest.mark.integration


def wait_for(condition, what: str, timeout: float = 40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def stack(tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "token").write_text(TOKEN)
    broker = PrivateBroker(tmp_path / "broker")
    broker.trainee("an")  # before start: no reload needed for the account to work
    fleet = broker.fleet
    (secrets / "mqtt").write_text(fleet.password)
    with broker:
        control_port = free_port()
        service = subprocess.Popen([
            sys.executable, "-m", "lab_devices.fleet.service", "--labs", str(REPO / "labs"),
            "--mqtt-port", str(broker.port), "--mqtt-username", fleet.username,
            "--mqtt-password-file", str(secrets / "mqtt"),
            "--control-port", str(control_port), "--token-file", str(secrets / "token"),
            "--log-level", "WARNING",
        ], cwd=tmp_path)
        client = httpx.Client(base_url=f"http://127.0.0.1:{control_port}",
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        try:
            wait_for(lambda: _healthy(client), "the control API")
            yield broker, client
        finally:
            client.close()
            service.terminate()
            service.wait(timeout=15)


def _healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/health").status_code == 200
    except httpx.HTTPError:
        return False


def test_start_check_stop_through_the_control_api(stack):
    broker, client = stack
    seen: list[tuple[str, bytes]] = []
    trainee = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="nb-an")
    an = broker.trainee("an")
    trainee.username_pw_set(an.username, an.password)
    trainee.on_message = lambda c, u, m: seen.append((m.topic, m.payload))
    trainee.on_connect = lambda c, u, f, rc, p: c.subscribe("labs/an/#", 1)
    trainee.connect("127.0.0.1", broker.port)
    trainee.loop_start()
    try:
        started = client.post("/trainees/an/labs/energy-basics/start")
        assert started.status_code == 200
        root = started.json()["topic_root"]
        assert root == "labs/an/energy-basics"
        wait_for(lambda: any(t == f"{root}/meter-1/telemetry" for t, _ in seen), "telemetry")
        trainee.publish(f"{root}/meter-1/cmd", b'{"id": 1, "action": "read_registers"}', qos=1)
        wait_for(lambda: any(t == f"{root}/meter-1/reply" for t, _ in seen), "the reply")
        checks = client.get("/trainees/an/labs/energy-basics/check").json()
        assert checks["checks"][0] == {
            "id": "read-registers", "passed": True, "message": None,
            "title": {"vi": "Đọc các thanh ghi điện năng của công tơ",
                      "en": "Read the meter's energy registers"}}
        assert client.post("/trainees/an/labs/energy-basics/stop").json() == {"stopped": True}
        wait_for(lambda: (f"{root}/meter-1/status", b"offline") in seen, "status offline")
    finally:
        trainee.loop_stop()
        trainee.disconnect()


def test_the_control_api_refuses_a_wrong_token(stack):
    _, client = stack
    response = client.post("/trainees/an/labs/energy-basics/start",
                           headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
