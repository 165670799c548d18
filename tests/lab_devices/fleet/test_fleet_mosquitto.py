"""The fleet against a real Mosquitto under production's rules: isolation, commands, restarts.

Trainees use paho-mqtt, as their notebooks do, with the accounts production gives them.
The broker (``senlab.broker.private.PrivateBroker``: the accounts, ACL and config of
``senlab up``, on a free port) is stopped at the end of each test. The fleet and the
numbered publisher connect with the fleet's service account, which reaches every lab.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import paho.mqtt.client as mqtt
import pytest

from lab_devices.mqtt.codec import (
    PUBLISH,
    PacketReader,
    decode_publish,
    encode_connect,
    encode_puback,
    encode_subscribe,
)
from senlab.broker import Credentials
from tests.lab_devices.mosquitto_lab import (
    TRAINEES,
    running_broker,
    running_fleet,
    until,
)

LAB = "iot101-sensors"
pytestmark = [pytest.mark.integration, pytest.mark.anyio]


class Trainee:
    """A trainee's paho client, recording everything it receives."""

    def __init__(self, login: Credentials, port: int, subscriptions: list[str]) -> None:
        name = login.username
        self.received: list[tuple[str, bytes, bool]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"nb-{name}")
        self.client.username_pw_set(name, login.password)
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(
            [(s, 1) for s in subscriptions])
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if not self.subscribed.wait(15):
            raise AssertionError(f"{name}'s notebook did not connect and subscribe")

    def _on_message(self, client, userdata, message) -> None:
        with self.lock:
            self.received.append((message.topic, message.payload, message.retain))

    def topics(self) -> set[str]:
        with self.lock:
            return {topic for topic, _, _ in self.received}

    def payloads(self, topic: str) -> list[bytes]:
        with self.lock:
            return [payload for t, payload, _ in self.received if t == topic]

    def command(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(15)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def connected_client(client_id: str, login: Credentials, port: int) -> mqtt.Client:
    """A paho client whose CONNACK has arrived: publishing before it may fail (NO_CONN)."""
    ready = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.username_pw_set(login.username, login.password)
    client.on_connect = lambda c, u, f, rc, p: ready.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    if not ready.wait(15):
        client.loop_stop()
        raise AssertionError(f"{client_id} did not connect")
    return client


@pytest.fixture
def broker(tmp_path):
    with running_broker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
async def fleet(broker):
    async with running_fleet(broker) as running:
        yield running


@pytest.fixture
def trainees(broker):
    # Each also asks for the other's subtree by name, and for everything: the ACL must
    # keep both to their own topics.
    clients = {}
    for name in TRAINEES:
        other = next(n for n in TRAINEES if n != name)
        clients[name] = Trainee(broker.trainee(name), broker.port,
                                [f"labs/{name}/#", f"labs/{other}/#", "labs/#", "#"])
    yield clients
    for client in clients.values():
        client.close()


def reply_with_id(trainee: Trainee, topic: str, command_id) -> dict | None:
    for payload in trainee.payloads(topic):
        reply = json.loads(payload)
        if reply.get("id") == command_id:
            return reply
    return None


async def test_each_trainee_gets_their_own_devices_and_nobody_elses(fleet, trainees):
    for name in trainees:
        await fleet.start_lab(name, LAB)
    for name, trainee in trainees.items():
        wanted = {f"labs/{name}/{LAB}/{device}/{suffix}" for device in ("air-1", "effluent-1")
                  for suffix in ("meta", "status", "telemetry")}
        await until(lambda t=trainee, w=wanted: w <= t.topics(), f"{name}'s device topics")
    await asyncio.sleep(1.0)  # a further round of telemetry that could leak
    for name, trainee in trainees.items():
        assert all(topic.startswith(f"labs/{name}/") for topic in trainee.topics()), name
    status = trainees["an"].payloads(f"labs/an/{LAB}/air-1/status")
    assert status[0] == b"online"


async def test_a_command_round_trips_and_garbage_gets_an_error(fleet, trainees):
    await fleet.start_lab("an", LAB)
    an = trainees["an"]
    cmd, reply_topic = f"labs/an/{LAB}/air-1/cmd", f"labs/an/{LAB}/air-1/reply"
    an.command(cmd, b'{"id": "r1", "action": "ping"}')
    await until(lambda: reply_with_id(an, reply_topic, "r1"), "the ping reply")
    assert reply_with_id(an, reply_topic, "r1")["ok"] is True
    for garbage in (b"not json", b"[]", b'{"id": "g3", "action": "fly"}', b"\xff" * 5000):
        an.command(cmd, garbage)
    await until(lambda: reply_with_id(an, reply_topic, "g3"), "the unknown-action reply")
    errors = [json.loads(p) for p in an.payloads(reply_topic)]
    assert sum(1 for e in errors if e["ok"] is False) == 4
    an.command(cmd, b'{"id": "r2", "action": "ping"}')
    await until(lambda: reply_with_id(an, reply_topic, "r2"), "a reply after the garbage")


async def test_a_trainee_cannot_reach_another_trainees_devices(fleet, trainees):
    await fleet.start_lab("an", LAB)
    await fleet.start_lab("binh", LAB)
    an, binh = trainees["an"], trainees["binh"]
    an.command(f"labs/binh/{LAB}/air-1/cmd", b'{"id": "x", "action": "set_interval", '
                                             b'"seconds": 60}')
    # The broker handles an's publications in order: once this reply is back, the one
    # before it has been dealt with (dropped by the ACL).
    an.command(f"labs/an/{LAB}/air-1/cmd", b'{"id": "mine", "action": "ping"}')
    await until(lambda: reply_with_id(an, f"labs/an/{LAB}/air-1/reply", "mine"), "an's reply")
    binh_device = fleet.runs[("binh", LAB)].hosts["air-1"].device
    assert binh_device.interval == 2.0 and binh_device.evidence == []
    assert reply_with_id(binh, f"labs/binh/{LAB}/air-1/reply", "x") is None


async def test_devices_come_back_after_a_broker_restart(fleet, trainees, broker):
    await fleet.start_lab("an", LAB)
    an = trainees["an"]
    telemetry = f"labs/an/{LAB}/air-1/telemetry"
    await until(lambda: an.payloads(telemetry), "telemetry before the restart")
    broker.restart()
    with an.lock:
        an.received.clear()
    await until(lambda: len(an.payloads(telemetry)) >= 2, "telemetry after the restart", 30)
    await until(lambda: an.payloads(f"labs/an/{LAB}/air-1/meta"), "meta republished")
    assert an.payloads(f"labs/an/{LAB}/air-1/status")[-1] == b"online"
    an.command(f"labs/an/{LAB}/air-1/cmd", b'{"id": "after", "action": "ping"}')
    await until(lambda: reply_with_id(an, f"labs/an/{LAB}/air-1/reply", "after"),
                "a reply after the restart")


async def test_a_command_accepted_while_the_device_was_away_is_not_lost(fleet, trainees):
    await fleet.start_lab("an", LAB)
    an = trainees["an"]
    host = fleet.runs[("an", LAB)].hosts["effluent-1"]
    # Subscribed, not just connected: a restart before the SUBACK could lose the
    # subscription from the session the broker saves.
    await until(lambda: host.connection.subscribed, "the device's subscription")
    host.connection.transport.abort()  # the device's link drops, as on a network fault
    # Blocking here keeps the fleet from reconnecting until the broker has taken the
    # command (PUBACK) for the device's persistent session.
    an.command(f"labs/an/{LAB}/effluent-1/cmd", b'{"id": "queued", "action": "sample"}')
    await until(lambda: reply_with_id(an, f"labs/an/{LAB}/effluent-1/reply", "queued"),
                "the reply to the queued command")
    assert host.device.state()["samples"] == 1
    assert host.connection.reconnects == 1


async def test_a_command_accepted_across_a_broker_restart_is_not_lost(fleet, broker):
    await fleet.start_lab("an", LAB)
    host = fleet.runs[("an", LAB)].hosts["effluent-1"]
    # Subscribed, not just connected: a restart before the SUBACK could lose the
    # subscription from the session the broker saves.
    await until(lambda: host.connection.subscribed, "the device's subscription")
    # restart() and the publish below block the event loop, so the fleet cannot reconnect
    # before the restarted broker (with its persisted sessions) has taken the command.
    broker.restart()
    late = connected_client("nb-an-late", broker.trainee("an"), broker.port)
    try:
        late.publish(f"labs/an/{LAB}/effluent-1/cmd", b'{"id": "kept", "action": "sample"}',
                     qos=1).wait_for_publish(15)
        # QoS 1 is at least once: a resend after a reconnect may carry it twice.
        await until(lambda: host.device.state()["samples"] >= 1,
                    "the command taken while the fleet was away", 30)
    finally:
        late.loop_stop()
        late.disconnect()
    assert any(e.action == "sample_taken" for e in host.device.evidence)


async def test_a_command_sent_while_the_lab_was_stopped_is_not_carried_out(fleet, trainees):
    an = trainees["an"]
    reply_topic = f"labs/an/{LAB}/air-1/reply"
    await fleet.start_lab("an", LAB)
    await fleet.stop_lab("an", LAB)  # the device's broker session goes with it
    an.command(f"labs/an/{LAB}/air-1/cmd", b'{"id": "stale", "action": "set_interval", '
                                           b'"seconds": 60}')
    run = await fleet.start_lab("an", LAB)
    an.command(f"labs/an/{LAB}/air-1/cmd", b'{"id": "fresh", "action": "ping"}')
    await until(lambda: reply_with_id(an, reply_topic, "fresh"), "the fresh reply")
    # A queued command would have been delivered before the fresh one.
    assert reply_with_id(an, reply_topic, "stale") is None
    assert run.hosts["air-1"].device.interval == 2.0


async def test_the_last_will_says_offline_when_the_fleet_vanishes(fleet, trainees):
    await fleet.start_lab("an", LAB)
    an = trainees["an"]
    status = f"labs/an/{LAB}/air-1/status"
    await until(lambda: an.payloads(status), "status online")
    host = fleet.runs[("an", LAB)].hosts["air-1"]
    host.connection.closing = True  # no reconnect: the device is gone for good
    host.connection.transport.abort()
    await until(lambda: an.payloads(status)[-1] == b"offline", "the Last Will")


# -- a slow subscriber ------------------------------------------------------------------
def slow_subscriber(port: int, login: Credentials, topic: str) -> socket.socket:
    """A persistent QoS 1 subscriber that then stops reading its socket."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(encode_connect("slow-notebook", username=login.username,
                                password=login.password, clean_session=False))
    assert sock.recv(4)[3] == 0
    sock.sendall(encode_subscribe(1, [(topic, 1)]))
    assert sock.recv(5)[4] == 1
    return sock


def drain(sock: socket.socket, expected: int, timeout: float = 10.0) -> list[bytes]:
    """Read and acknowledge publications until ``expected`` arrive or the line is quiet."""
    sock.settimeout(timeout)
    reader, payloads = PacketReader(), []
    while len(payloads) < expected:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            break
        for packet in reader.feed(data):
            if packet.kind == PUBLISH:
                publication = decode_publish(packet)
                payloads.append(publication.payload)
                sock.sendall(encode_puback(publication.packet_id))
    return payloads


@pytest.fixture
def small_queue_broker(tmp_path):
    # Limits set on purpose: 10 in flight, 50 more queued per subscriber.
    with running_broker(tmp_path / "small", max_queued=50, max_inflight=10) as running:
        yield running


def publish_numbered(port: int, fleet: Credentials, topic: str, count: int) -> None:
    publisher = connected_client("lab-publisher", fleet, port)
    try:
        for number in range(count):
            publisher.publish(topic, str(number).encode(), qos=1).wait_for_publish(15)
    finally:
        publisher.loop_stop()
        publisher.disconnect()


def test_a_slow_subscriber_loses_nothing_within_the_queue_limit(small_queue_broker):
    topic = "labs/an/slow-lab/sensor/telemetry"
    broker = small_queue_broker
    sock = slow_subscriber(broker.port, broker.trainee("an"), topic)
    try:
        publish_numbered(broker.port, broker.fleet, topic, 60)  # 10 in flight + 50 queued
        payloads = drain(sock, 60)
    finally:
        sock.close()
    assert [int(p) for p in payloads] == list(range(60))


def test_past_the_queue_limit_the_broker_drops_while_acking_the_publisher(small_queue_broker):
    # Why the limit is set on purpose: beyond it, the loss is silent.
    topic = "labs/an/slow-lab/sensor/telemetry"
    broker = small_queue_broker
    sock = slow_subscriber(broker.port, broker.trainee("an"), topic)
    try:
        publish_numbered(broker.port, broker.fleet, topic, 200)  # every PUBACK came back
        payloads = drain(sock, 200, timeout=3.0)
    finally:
        sock.close()
    assert len(payloads) == 60
    assert [int(p) for p in payloads] == list(range(60))
