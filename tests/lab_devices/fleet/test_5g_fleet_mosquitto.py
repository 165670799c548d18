"""The 5G labs run by the fleet through a real Mosquitto, driven by a trainee's paho client.

The broker (``senlab.broker.private.PrivateBroker``: the accounts, ACL and config of
``senlab up``, on a free port) is stopped at the end of each test; the notebook logs in
with the account production gives the trainee.
"""

from __future__ import annotations

import json
import threading

import paho.mqtt.client as mqtt
import pytest

from senlab.broker import Credentials
from tests.lab_devices.mosquitto_lab import (
    running_broker,
    running_fleet,
    until,
)

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


class Notebook:
    """The trainee's paho client: subscribes to their labs and keeps what arrives."""

    def __init__(self, login: Credentials, port: int) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="nb-an-5g")
        self.client.username_pw_set(login.username, login.password)
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe("labs/an/#", 1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, client, userdata, message) -> None:
        with self.lock:
            self.received.append((message.topic, message.payload))

    def documents(self, topic: str) -> list[dict]:
        with self.lock:
            return [json.loads(p) for t, p in self.received if t == topic]

    def send(self, topic: str, command: dict) -> None:
        self.client.publish(topic, json.dumps(command), qos=1).wait_for_publish(5)

    def reply(self, topic: str, command_id: str) -> dict | None:
        return next((d for d in self.documents(topic) if d.get("id") == command_id), None)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def broker(tmp_path):
    with running_broker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
async def fleet(broker):
    async with running_fleet(broker) as running:
        yield running


@pytest.fixture
def notebook(broker):
    client = Notebook(broker.trainee("an"), broker.port)
    yield client
    client.close()


async def test_the_kpi_walk_modem_publishes_kpis_and_answers_commands(fleet, notebook):
    run = await fleet.start_lab("an", "5g-kpi-walk")
    root = f"{run.topic_root}/cpe-1"
    meta = await until(lambda: notebook.documents(f"{root}/meta"), "the modem's meta")
    assert meta[0]["units"]["rsrp"] == "dBm" and "report_dead_zone" in meta[0]["commands"]
    telemetry = await until(lambda: notebook.documents(f"{root}/telemetry"), "telemetry")
    assert telemetry[0]["serving_cell"] and -140 < telemetry[0]["rsrp"] < -40

    notebook.send(f"{root}/cmd", {"id": "now", "action": "report_now"})
    reply = await until(lambda: notebook.reply(f"{root}/reply", "now"), "report_now's reply")
    assert reply["ok"] is True and reply["values"]["x"] == pytest.approx(540, abs=5)

    notebook.send(f"{root}/cmd", {"id": "bad", "action": "set_band", "band": "n99"})
    reply = await until(lambda: notebook.reply(f"{root}/reply", "bad"), "the error reply")
    assert reply["ok"] is False and "band 'n99' is not supported" in reply["error"]

    notebook.send(f"{root}/cmd", {"id": "dz", "action": "report_dead_zone",
                                  "x_m": 980.0, "y_m": 460.0})
    await until(lambda: notebook.reply(f"{root}/reply", "dz"), "report_dead_zone's reply")
    results = {r.id: r.passed for r in fleet.check_lab("an", "5g-kpi-walk")}
    assert results["find-dead-zone"] is True and results["classify-readings"] is False


async def test_the_small_cells_check_follows_cells_placed_over_mqtt(fleet, notebook):
    run = await fleet.start_lab("an", "5g-small-cells")
    root = f"{run.topic_root}/planner"
    await until(lambda: notebook.documents(f"{root}/meta"), "the planner's meta")
    for k, x in enumerate((667.0, 760.0, 853.0)):
        notebook.send(f"{root}/cmd", {"id": f"p{k}", "action": "place_cell", "x_m": x,
                                      "y_m": 420.0, "height_m": 8.0, "tx_power_dbm": 24.0})
    await until(lambda: notebook.reply(f"{root}/reply", "p2"), "the third placement")
    notebook.send(f"{root}/cmd", {"id": "eval", "action": "evaluate"})
    reply = await until(lambda: notebook.reply(f"{root}/reply", "eval"), "evaluate's reply")
    assert reply["target_met"] is True and len(reply["cells"]) == 3
    assert all(r.passed for r in fleet.check_lab("an", "5g-small-cells"))
