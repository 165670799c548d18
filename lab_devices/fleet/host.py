"""A device on its connection: topics, ticks, commands and evidence.

``DeviceHost`` binds one ``Device`` to one connection (the real ``mqtt.connection.MqttConnection``
or ``mqtt.fake.FakeConnection``) under its topic root ``labs/<trainee>/<lab>/<device>``:
it gives the connection the device's Last Will (``status`` = ``offline``, retained),
subscribes to ``cmd``, republishes ``meta`` and ``status`` on every (re)connection,
publishes what ``tick`` returns, answers commands, and forwards new evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from lab_devices.device.base import Device
from lab_devices.device.messages import Evidence, Message
from lab_devices.mqtt.codec import Will
from lab_devices.mqtt.sparkplug import SparkplugEdge, edge_node_id

EvidenceSink = Callable[[list[Evidence]], None]


class Connection(Protocol):
    """What a host needs of a link connection."""

    connected: bool

    def publish(self, topic: str | bytes, payload: bytes, qos: int = 0,
                retain: bool = False) -> bool: ...

    async def start(self, timeout: float = 10.0) -> None: ...

    async def close(self, final: Iterable[tuple[str, bytes, int, bool]] = (), *,
                    forget_session: bool = False) -> None: ...


class ConnectionFactory(Protocol):
    def __call__(self, client_id: str, *, will: Will, clean_session: bool,
                 subscriptions: list[tuple[str, int]],
                 on_message: Callable[[str, bytes], None],
                 on_connected: Callable[[bool], None]) -> Connection: ...


def client_id_for(topic_root: str) -> str:
    """A stable client id, so the broker keeps the device's session across reconnects."""
    return "fleet:" + topic_root.removeprefix("labs/")


class DeviceHost:
    """One device, published under ``topic_root`` through its own connection."""

    def __init__(self, device: Device, topic_root: str, connect: ConnectionFactory,
                 on_evidence: EvidenceSink | None = None) -> None:
        self.device = device
        self.topic_root = topic_root
        self.on_evidence = on_evidence
        self.stopped = False
        self._forwarded = 0
        self.topics = {suffix: f"{topic_root}/{suffix}".encode()
                       for suffix in ("telemetry", "meta", "status", "reply")}
        self.connection = connect(
            client_id_for(topic_root),
            will=Will(f"{topic_root}/status", b"offline", qos=1, retain=True),
            clean_session=False,
            subscriptions=[(f"{topic_root}/cmd", 1)],
            on_message=self._on_command,
            on_connected=self._on_connected,
        )
        # Links that have a QoS 0 fast path get telemetry through it.
        self._fast = getattr(self.connection, "publish_qos0", None)
        telemetry = self.topics["telemetry"]
        self._telemetry_header = len(telemetry).to_bytes(2, "big") + telemetry
        self.edge: SparkplugEdge | None = None
        if getattr(device.settings, "sparkplug", False):
            self.edge = SparkplugEdge(device.trainee, edge_node_id(device.lab, device.device_id),
                                      connect, lambda: device.values, lambda: device.now)

    async def start(self, timeout: float = 10.0) -> None:
        await self.connection.start(timeout)
        if self.edge is not None:
            await self.edge.start(timeout)

    async def stop(self) -> None:
        """Say ``offline`` (retained) and disconnect."""
        self.stopped = True
        if self.edge is not None:
            await self.edge.stop()
        # A stopped lab's device is gone for good: the broker need not keep its session.
        await self.connection.close(final=[(f"{self.topic_root}/status", b"offline", 1, True)],
                                    forget_session=True)

    def _on_connected(self, session_present: bool) -> None:
        # Retained state is republished on every connection: a restarted broker without
        # persistence has forgotten it.
        for message in (self.device.meta_message(), self.device.status_message()):
            self.connection.publish(self.topics[message.topic], message.payload,
                                    message.qos, message.retain)

    def tick(self, now: float) -> None:
        self.send(self.device.tick(now))

    def send(self, messages: list[Message]) -> None:
        """Publish what a tick produced, and forward any new evidence."""
        publish = self.connection.publish
        topics = self.topics
        fast = self._fast
        for message in messages:
            if fast is not None and message.topic == "telemetry":
                fast(self._telemetry_header, message.payload)
            else:
                publish(topics[message.topic], message.payload, message.qos, message.retain)
        if self.edge is not None and messages:
            self.edge.publish_data(self.device.values)
        if len(self.device.evidence) > self._forwarded:
            self._forward()

    def _on_command(self, topic: str, payload: bytes) -> None:
        if self.stopped:
            return
        reply = self.device.handle(payload)
        if reply is not None:
            self.connection.publish(self.topics["reply"], reply.payload, reply.qos, reply.retain)
        if len(self.device.evidence) > self._forwarded:
            self._forward()

    def restore_evidence(self, records: list[Evidence]) -> None:
        """Evidence a previous run of the fleet kept: checks see it, nobody is told again."""
        self.device.evidence.extend(records)
        self._forwarded = len(self.device.evidence)

    def _forward(self) -> None:
        fresh = self.device.evidence[self._forwarded:]
        self._forwarded = len(self.device.evidence)
        if self.on_evidence is not None:
            self.on_evidence(fresh)
