"""Sparkplug B: the payload encoding, and a production line's edge node on the fake broker."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from lab_devices.fleet.runtime import Fleet
from lab_devices.labs.labfile import parse_lab
from lab_devices.mqtt.fake import FakeBroker
from lab_devices.mqtt.sparkplug import (
    REBIRTH,
    decode_payload,
    encode_metric,
    encode_payload,
)

pytestmark = pytest.mark.anyio
BOTH = {"vi": "x", "en": "x"}
NODE = "spBv1.0/an/{kind}/line-lab-line-1"


def test_a_metric_encodes_as_protobuf_by_hand():
    # name "a" (field 1), timestamp 1 (field 3), datatype Int64 (4), long_value 150 (11):
    # 0a 01 61 | 18 01 | 20 04 | 58 96 01
    assert encode_metric("a", 150, 1) == bytes.fromhex("0a016118012004589601")


def test_a_double_is_a_fixed64_field():
    encoded = encode_metric("x", 1.5, 0)
    assert encoded.endswith(b"\x69" + struct.pack("<d", 1.5))  # field 13, wire type 1


@pytest.mark.parametrize("value", [0, 7, -3, 2**40, 12.25, True, False, "running", None])
def test_payloads_round_trip(value):
    decoded = decode_payload(encode_payload(1_700_000_000_000, {"m": value}, 5))
    assert decoded == {"timestamp": 1_700_000_000_000, "seq": 5, "metrics": {"m": value}}


def test_a_truncated_payload_is_an_error():
    with pytest.raises(ValueError, match="truncated"):
        decode_payload(encode_payload(1, {"m": 1}, 1)[:-1] + b"\x80")


@pytest.fixture
async def line(monday):
    broker = FakeBroker()
    lab = parse_lab({
        "id": "line-lab", "title": BOTH, "summary": BOTH,
        "devices": [{"id": "line-1", "model": "production_line",
                     "params": {"sparkplug": True, "interval": 1}}],
    }, Path("line-lab/lab.yaml"))
    clock = [monday + 10 * 3600]
    fleet = Fleet(broker.connect, {"line-lab": lab}, clock=lambda: clock[0])
    await fleet.start_lab("an", "line-lab")
    return broker, fleet, clock


def payloads(broker: FakeBroker, kind: str) -> list[dict]:
    return [decode_payload(p) for p in broker.messages(NODE.format(kind=kind))]


def tick(fleet, clock, seconds: int) -> None:
    for _ in range(seconds):
        clock[0] += 1
        fleet.tick_due(clock[0])


async def test_the_node_is_born_with_bdseq_and_every_metric(line):
    broker, fleet, clock = line
    tick(fleet, clock, 2)
    birth = payloads(broker, "NBIRTH")
    assert len(birth) == 1 and birth[0]["seq"] == 0
    assert birth[0]["metrics"]["bdSeq"] == 0 and birth[0]["metrics"][REBIRTH] is False


async def test_ndata_carries_changes_with_a_rising_seq(line):
    broker, fleet, clock = line
    tick(fleet, clock, 30)
    data = payloads(broker, "NDATA")
    assert [d["seq"] for d in data] == list(range(1, len(data) + 1))
    assert all(d["metrics"] for d in data)
    assert any("good" in d["metrics"] for d in data)
    assert "state" not in data[-1]["metrics"]  # unchanged metrics are not repeated


async def test_the_will_is_the_ndeath_with_the_births_bdseq(line):
    broker, fleet, clock = line
    connection = broker.connections["fleet-spb:an/line-lab-line-1"]
    broker.drop("fleet-spb:an/line-lab-line-1")
    death = payloads(broker, "NDEATH")
    assert death[0]["metrics"] == {"bdSeq": 0}
    assert connection.will.topic == NODE.format(kind="NDEATH")


async def test_a_rebirth_request_republishes_nbirth(line):
    broker, fleet, clock = line
    tick(fleet, clock, 3)
    broker.publish(NODE.format(kind="NCMD"), encode_payload(1, {REBIRTH: True}, None))
    broker.publish(NODE.format(kind="NCMD"), b"\xff\xff not sparkplug")
    assert len(payloads(broker, "NBIRTH")) == 2


async def test_stopping_the_lab_publishes_ndeath(line):
    broker, fleet, clock = line
    await fleet.stop_lab("an", "line-lab")
    assert payloads(broker, "NDEATH")[-1]["metrics"] == {"bdSeq": 0}


async def test_a_reconnection_is_born_with_the_next_bdseq(line):
    broker, fleet, clock = line
    broker.restart()
    births = payloads(broker, "NBIRTH")
    assert [b["metrics"]["bdSeq"] for b in births] == [0, 1]


def listening_trainees(port: int, passwords: dict[str, str], seen: dict[str, list[str]],
                       lock) -> list:
    """A paho client per trainee, subscribed to ``spBv1.0/#`` and ``#``, noting topics."""
    import paho.mqtt.client as mqtt

    clients = []
    for name in seen:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"spb-{name}")
        client.username_pw_set(name, passwords[name])
        client.on_connect = lambda c, u, f, rc, p: c.subscribe([("spBv1.0/#", 0), ("#", 0)])

        def record(c, u, m, name=name):
            with lock:
                seen[name].append(m.topic)

        client.on_message = record
        client.connect("127.0.0.1", port)
        client.loop_start()
        clients.append(client)
    return clients


@pytest.mark.integration
async def test_sparkplug_on_mosquitto_is_isolated_per_trainee(tmp_path):
    import asyncio
    import threading

    from lab_devices.fleet.service import connection_factory
    from lab_devices.mqtt.connection import BrokerConfig
    from senlab.broker.private import PrivateBroker

    # Production's broker: each trainee's account reaches their own Sparkplug group
    # (spBv1.0/<trainee>/#), the fleet's service account every group.
    broker = PrivateBroker(tmp_path / "b")
    passwords = {name: broker.trainee(name).password for name in ("an", "binh")}
    lab = parse_lab({
        "id": "line-lab", "title": BOTH, "summary": BOTH,
        "devices": [{"id": "line-1", "model": "production_line",
                     "params": {"sparkplug": True, "interval": 1}}],
    }, Path("line-lab/lab.yaml"))
    seen: dict[str, list[str]] = {"an": [], "binh": []}
    lock = threading.Lock()
    with broker:
        clients = listening_trainees(broker.port, passwords, seen, lock)
        config = BrokerConfig("127.0.0.1", broker.port, broker.fleet.username,
                              broker.fleet.password)
        fleet = Fleet(connection_factory(config), {"line-lab": lab})
        ticker = asyncio.create_task(fleet.run())
        try:
            await asyncio.sleep(0.5)  # the trainees' subscriptions are in place
            await fleet.start_lab("an", "line-lab")
            for _ in range(200):
                with lock:
                    if NODE.format(kind="NDATA") in seen["an"]:
                        break
                await asyncio.sleep(0.05)
            await fleet.stop_lab("an", "line-lab")
            await asyncio.sleep(0.5)
            # binh heard nothing while logged in: their silence is the ACL's doing.
            logged_in = [client.is_connected() for client in clients]
        finally:
            ticker.cancel()
            await fleet.close()
            for client in clients:
                client.loop_stop()
                client.disconnect()
    kinds = {topic.split("/")[2] for topic in seen["an"] if topic.startswith("spBv1.0/")}
    assert {"NBIRTH", "NDATA", "NDEATH"} <= kinds
    assert logged_in == [True, True]
    assert seen["binh"] == []
