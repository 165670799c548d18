"""On a real Mosquitto, the production ACL keeps each trainee to their own MQTT and Sparkplug.

The broker runs exactly as `senlab up` writes it (`write_broker_config`, the accounts of
`BrokerAccounts`), with two trainees, their devices and the fleet. Real paho clients
publish each trainee's traffic (lab topics, Sparkplug B births, data, commands and the
primary host's retained STATE), and each subscription must deliver exactly the
subscriber's own share: every message of theirs (so a broker that delivers nothing fails
too) and none of the other's. A subscriber knows that all has arrived when its own
sentinel, published last, does.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from senlab.broker import BrokerAccounts, Credentials, write_broker_config
from senlab.settings import Settings
from tests.stack.harness import free_ports, reachable_tmpdir

pytestmark = pytest.mark.integration

LAB = "line-lab"
NOT_AUTHORIZED = 0x87
TIMEOUT = 10.0


@dataclass
class Broker:
    settings: Settings
    accounts: dict[str, Credentials]


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    # One broker for the module: every test sends the same retained messages first, and
    # no test can retain anything else, so what each subscriber finds is known.
    if shutil.which("mosquitto") is None:
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    home = reachable_tmpdir()
    plain, tls = free_ports(2)  # the TLS listener too, on loopback: no clash with 8883
    settings = Settings(home=home, mqtt_port=plain, mqtt_tls_port=tls, mqtt_tls_host="127.0.0.1")
    registry = BrokerAccounts(settings)
    accounts = {name: registry.trainee(name) for name in ("an", "binh")}
    for trainee, device in (("an", "line-1"), ("an", "line-2"), ("binh", "line-1")):
        accounts[f"{trainee}/{device}"] = registry.device(trainee, LAB, device)
    conf = write_broker_config(settings)  # production's config; it adds the fleet
    accounts["fleet"] = registry.service("fleet")
    process = subprocess.Popen(["mosquitto", "-c", str(conf)])
    try:
        wait_until(lambda: Client.listening(settings.mqtt_port), "the broker to listen")
        yield Broker(settings, accounts)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(home, ignore_errors=True)


def wait_until(condition, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class Client:
    """A paho client that waits for each CONNACK, SUBACK and PUBACK and keeps what arrives."""

    def __init__(self, broker: Broker, account: str | None, *, protocol: int = mqtt.MQTTv5,
                 password: str | None = None) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=protocol)
        self.protocol = protocol
        if account is not None:
            creds = broker.accounts[account]
            self.client.username_pw_set(creds.username, password or creds.password)
        self.lock = threading.Condition()
        self.connack: int | None = None
        self.subacks: dict[int, list[int]] = {}
        self.pubacks: dict[int, int] = {}
        self.received: list[tuple[str, bytes]] = []
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.settings.mqtt_port)
        self.client.loop_start()
        self._wait(lambda: self.connack is not None, "CONNACK")

    @staticmethod
    def listening(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:  # noqa: ANN001
        with self.lock:
            self.connack = reason.value
            self.lock.notify_all()

    def _on_subscribe(self, client, userdata, mid, reasons, properties) -> None:  # noqa: ANN001
        with self.lock:
            self.subacks[mid] = [r.value for r in reasons]
            self.lock.notify_all()

    def _on_publish(self, client, userdata, mid, reason, properties) -> None:  # noqa: ANN001
        with self.lock:
            self.pubacks[mid] = reason.value
            self.lock.notify_all()

    def _on_message(self, client, userdata, message) -> None:  # noqa: ANN001
        with self.lock:
            self.received.append((message.topic, message.payload))
            self.lock.notify_all()

    def _wait(self, condition, what: str) -> None:  # noqa: ANN001
        with self.lock:
            assert self.lock.wait_for(condition, TIMEOUT), f"no {what} within {TIMEOUT:g} s"

    def subscribe(self, *filters: str) -> None:
        _, mid = self.client.subscribe([(f, 1) for f in filters])
        self._wait(lambda: mid in self.subacks, f"SUBACK for {filters}")

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> int:
        """Publish at QoS 1 and return the PUBACK's reason (always 0 in MQTT 3.1.1)."""
        mid = self.client.publish(topic, payload, qos=1, retain=retain).mid
        self._wait(lambda: mid in self.pubacks, f"PUBACK for {topic}")
        return self.pubacks[mid]

    def topics(self) -> set[str]:
        with self.lock:
            return {topic for topic, _ in self.received}

    def payloads(self) -> set[bytes]:
        with self.lock:
            return {payload for _, payload in self.received}

    def wait_for(self, topic: str) -> None:
        self._wait(lambda: any(t == topic for t, _ in self.received), topic)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def traffic(trainee: str) -> list[tuple[str, str, bool]]:
    """(publisher, topic, retained): what one trainee's lab, devices and notebook send."""
    device, node = f"{trainee}/line-1", f"{LAB}-line-1"
    return [
        (device, f"labs/{trainee}/{LAB}/line-1/telemetry", False),
        (device, f"labs/{trainee}/{LAB}/line-1/status", True),
        (device, f"spBv1.0/{trainee}/NBIRTH/{node}", False),
        (device, f"spBv1.0/{trainee}/NDATA/{node}", False),
        (device, f"spBv1.0/{trainee}/DDATA/{node}/sensor", False),
        (trainee, f"labs/{trainee}/{LAB}/line-1/cmd", False),
        (trainee, f"spBv1.0/{trainee}/NCMD/{node}", False),
        (trainee, f"spBv1.0/STATE/{trainee}", True),  # the primary host's birth
        (trainee, f"spBv1.0/{trainee}/NDATA/notebook", False),  # the notebook's own edge node
        ("fleet", f"labs/{trainee}/iot101-sensors/aq-1/telemetry", False),
        ("fleet", f"spBv1.0/{trainee}/NDATA/iot101-sensors-aq-1", False),
    ]


def send(broker: Broker, messages: list[tuple[str, str, bool]]) -> None:
    """Publish each message from its own account; each must be accepted."""
    clients: dict[str, Client] = {}
    try:
        for publisher, topic, retain in messages:
            if publisher not in clients:
                clients[publisher] = Client(broker, publisher)
                assert clients[publisher].connack == 0, f"{publisher} was refused"
            client = clients[publisher]
            reason = client.publish(topic, f"{publisher}:{topic}".encode(), retain=retain)
            assert reason < 0x80, f"{publisher} may publish {topic}, but got reason {reason}"
    finally:
        for client in clients.values():
            client.close()


def expected(trainee: str, topic_filter: str) -> set[str]:
    return {topic for _, topic, _ in traffic(trainee)
            if mqtt.topic_matches_sub(topic_filter, topic)}


FILTERS = ["#", "labs/#", "spBv1.0/#", "spBv1.0/+/NDATA/#", "spBv1.0/STATE/+", "$SYS/#",
           "labs/{other}/#", "spBv1.0/{other}/#", "spBv1.0/STATE/{other}", "+/{other}/#"]
PAIRS = [("an", "binh"), ("binh", "an")]


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["mqtt3", "mqtt5"])
@pytest.mark.parametrize(("trainee", "other"), PAIRS, ids=["an", "binh"])
@pytest.mark.parametrize("pattern", FILTERS)
def test_a_subscription_delivers_all_of_the_trainees_own_traffic_and_none_of_anothers(
    broker: Broker, pattern: str, trainee: str, other: str, protocol: int
) -> None:
    topic_filter = pattern.format(other=other)
    send(broker, [m for m in traffic(other) + traffic(trainee) if m[2]])  # retained first
    watcher = Client(broker, trainee, protocol=protocol)
    try:
        sentinel = f"labs/{trainee}/sentinel"
        watcher.subscribe(topic_filter, sentinel)
        send(broker, traffic(other) + traffic(trainee))
        assert watcher.publish(sentinel, b"last") < 0x80
        watcher.wait_for(sentinel)
        got = watcher.topics() - {sentinel}
    finally:
        watcher.close()
    own = expected(trainee, topic_filter)
    assert not got - own, f"{trainee} received on {topic_filter!r} what is not theirs"
    assert not own - got, f"{trainee} missed their own messages on {topic_filter!r}"


def test_the_trainees_own_wildcards_do_deliver(broker: Broker) -> None:
    # The test above would pass for a broker that delivered nothing; these counts show not.
    assert len(expected("an", "#")) == 11
    assert expected("an", "spBv1.0/+/NDATA/#") == {
        "spBv1.0/an/NDATA/line-lab-line-1", "spBv1.0/an/NDATA/notebook",
        "spBv1.0/an/NDATA/iot101-sensors-aq-1"}
    assert expected("an", "spBv1.0/STATE/+") == {"spBv1.0/STATE/an"}


CROSSING = ["labs/{other}/line-lab/line-1/cmd", "labs/{other}/line-lab/line-1/telemetry",
            "spBv1.0/{other}/NCMD/line-lab-line-1", "spBv1.0/{other}/DCMD/line-lab-line-1/sensor",
            "spBv1.0/{other}/NDATA/line-lab-line-1", "spBv1.0/STATE/{other}"]


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["mqtt3", "mqtt5"])
def test_a_publish_into_another_trainees_topics_is_refused_and_reaches_no_one(
    broker: Broker, protocol: int
) -> None:
    send(broker, [m for m in traffic("binh") if m[2]])  # binh's host is online (retained)
    witness = Client(broker, "fleet")  # the fleet sees every lab: what arrives, arrives here
    intruder = Client(broker, "an", protocol=protocol)
    try:
        witness.subscribe("labs/#", "spBv1.0/#")
        reasons = {topic: intruder.publish(topic, b"from-an", retain="/STATE/" in topic)
                   for topic in (t.format(other="binh") for t in CROSSING)}
        assert intruder.publish("labs/an/sentinel", b"last") < 0x80
        witness.wait_for("labs/an/sentinel")
        assert b"from-an" not in witness.payloads()
    finally:
        intruder.close()
        witness.close()
    if protocol == mqtt.MQTTv5:
        assert reasons == dict.fromkeys(reasons, NOT_AUTHORIZED)
    host = Client(broker, "binh")
    try:
        host.subscribe("spBv1.0/STATE/binh")
        host.wait_for("spBv1.0/STATE/binh")
        assert host.payloads() == {b"binh:spBv1.0/STATE/binh"}  # not overwritten by an
    finally:
        host.close()


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["mqtt3", "mqtt5"])
def test_anonymous_and_wrong_password_clients_are_refused(broker: Broker, protocol: int) -> None:
    anonymous = Client(broker, None, protocol=protocol)
    wrong = Client(broker, "an", protocol=protocol, password="not-the-password")
    right = Client(broker, "an", protocol=protocol)
    try:
        assert anonymous.connack == NOT_AUTHORIZED
        assert wrong.connack not in (None, 0)
        assert right.connack == 0
    finally:
        for client in (anonymous, wrong, right):
            client.close()


OUTSIDE = ["labs/an/line-lab/line-2/telemetry", "labs/an/line-lab/status", "labs/an/other",
           "labs/binh/line-lab/line-1/telemetry", "spBv1.0/an/NDATA/line-lab-line-2",
           "spBv1.0/an/DDATA/line-lab-line-2/sensor", "spBv1.0/an/NCMD/line-lab-line-1",
           "spBv1.0/an/NDATA/notebook", "spBv1.0/STATE/an", "spBv1.0/binh/NDATA/line-lab-line-1"]


def test_a_device_publishes_only_into_its_own_subtree_and_edge_node(broker: Broker) -> None:
    witness = Client(broker, "fleet")
    device = Client(broker, "an/line-1")
    try:
        witness.subscribe("labs/#", "spBv1.0/#")
        refused = {topic: device.publish(topic, b"escaped") for topic in OUTSIDE}
        own = [f"labs/an/{LAB}/line-1/telemetry", f"spBv1.0/an/NDATA/{LAB}-line-1",
               f"spBv1.0/an/DDATA/{LAB}-line-1/sensor"]
        accepted = {topic: device.publish(topic, b"own") for topic in own}
        witness.wait_for(own[-1])
        assert b"escaped" not in witness.payloads()
        assert set(own) <= witness.topics()
    finally:
        device.close()
        witness.close()
    assert refused == dict.fromkeys(OUTSIDE, NOT_AUTHORIZED)
    assert all(reason < 0x80 for reason in accepted.values()), accepted


def test_a_device_subscribed_to_everything_hears_only_its_commands_and_its_host(
    broker: Broker
) -> None:
    send(broker, [m for m in traffic("an") + traffic("binh") if m[2]])
    device = Client(broker, "an/line-1")
    try:
        device.subscribe("#", "$SYS/#")
        node = f"{LAB}-line-1"
        send(broker, traffic("binh") + traffic("an") + [
            ("an", f"labs/an/{LAB}/line-2/cmd", False),
            ("an", f"spBv1.0/an/NCMD/{LAB}-line-2", False),
            ("an", f"spBv1.0/an/DCMD/{node}/sensor", False),
            ("an", f"labs/an/{LAB}/line-1/sentinel", False),
        ])
        device.wait_for(f"labs/an/{LAB}/line-1/sentinel")
        got = device.topics()
    finally:
        device.close()
    assert got == {
        f"labs/an/{LAB}/line-1/telemetry", f"labs/an/{LAB}/line-1/status",
        f"labs/an/{LAB}/line-1/cmd", f"labs/an/{LAB}/line-1/sentinel",
        f"spBv1.0/an/NCMD/{node}", f"spBv1.0/an/DCMD/{node}/sensor",
        "spBv1.0/STATE/an",
    }


def test_the_acl_has_no_patterns_and_nothing_before_the_first_user(broker: Broker) -> None:
    text = Path(BrokerAccounts(broker.settings).acl_path).read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0].startswith("user ")
    assert not [line for line in lines if line.startswith("pattern")]
