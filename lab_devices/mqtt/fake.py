"""An in-memory broker for unit tests: connections, retained messages, Last Wills.

``FakeBroker.connect`` has the signature of a ``fleet.host.ConnectionFactory``, so a fleet or a
``DeviceHost`` runs on it unchanged. Tests publish commands with ``broker.publish`` and
read what devices sent from ``broker.log`` or a ``subscribe`` callback. ``drop(client_id)``
cuts a connection as a crash would (its Will is published); ``restart()`` drops every
connection and lets them reconnect, as a broker restart does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lab_devices.mqtt.codec import Will


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT filter matching with ``+`` and ``#``."""
    pattern_parts, topic_parts = pattern.split("/"), topic.split("/")
    for index, part in enumerate(pattern_parts):
        if part == "#":
            return True
        if index >= len(topic_parts) or (part != "+" and part != topic_parts[index]):
            return False
    return len(pattern_parts) == len(topic_parts)


@dataclass
class Published:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    sender: str


@dataclass
class FakeBroker:
    """Routes publications between fake connections and test subscribers."""

    log: list[Published] = field(default_factory=list)
    retained: dict[str, bytes] = field(default_factory=dict)
    connections: dict[str, FakeConnection] = field(default_factory=dict)
    subscribers: list[tuple[str, Callable[[str, bytes], None]]] = field(default_factory=list)
    queued: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    # Persistent sessions by client id: their subscription patterns.
    sessions: dict[str, list[str]] = field(default_factory=dict)

    def connect(self, client_id: str, *, will: Will | None = None, clean_session: bool = False,
                subscriptions: Iterable[tuple[str, int]] = (),
                on_message: Callable[[str, bytes], None] | None = None,
                on_connected: Callable[[bool], None] | None = None) -> FakeConnection:
        return FakeConnection(self, client_id, will, clean_session, list(subscriptions),
                              on_message, on_connected)

    def subscribe(self, pattern: str, callback: Callable[[str, bytes], None]) -> None:
        self.subscribers.append((pattern, callback))

    def publish(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False,
                sender: str = "test") -> None:
        self.log.append(Published(topic, payload, qos, retain, sender))
        if retain:
            self.retained[topic] = payload
        for pattern, callback in list(self.subscribers):
            if topic_matches(pattern, topic):
                callback(topic, payload)
        for connection in list(self.connections.values()):
            if connection.client_id != sender and connection.wants(topic):
                connection.deliver(topic, payload)
        # A persistent session that is away keeps QoS 1 messages for later.
        for client_id, patterns in self._away_sessions().items():
            if qos and any(topic_matches(p, topic) for p in patterns):
                self.queued.setdefault(client_id, []).append((topic, payload))

    def _away_sessions(self) -> dict[str, list[str]]:
        return {cid: pats for cid, pats in self.sessions.items() if cid not in self.connections}

    def drop(self, client_id: str) -> None:
        """Cut a client off as a crash would: its Will is published."""
        connection = self.connections.pop(client_id)
        connection.connected = False
        if connection.connected_will is not None:
            will = connection.connected_will
            self.publish(will.topic, will.payload, will.qos, will.retain, sender="broker")

    def restart(self, keep_retained: bool = False) -> None:
        """Drop every client (no Wills: the broker itself went away), then reconnect them."""
        clients = list(self.connections.values())
        self.connections.clear()
        if not keep_retained:
            self.retained.clear()
        for connection in clients:
            connection.connected = False
        for connection in clients:
            connection.attach()

    def messages(self, topic: str) -> list[bytes]:
        return [p.payload for p in self.log if p.topic == topic]


@dataclass
class FakeConnection:
    """A client connection to a FakeBroker; same surface as ``connection.MqttConnection``."""

    broker: FakeBroker
    client_id: str
    will: Will | None
    clean_session: bool
    subscriptions: list[tuple[str, int]]
    on_message: Callable[[str, bytes], None] | None
    on_connected: Callable[[bool], None] | None
    connected: bool = False
    closed: bool = False
    # The Will as it was at CONNECT: a broker keeps that one, whatever the client does next.
    connected_will: Will | None = None

    async def start(self, timeout: float = 10.0) -> None:
        self.attach()

    def attach(self) -> None:
        present = self.client_id in self.broker.sessions and not self.clean_session
        self.broker.connections[self.client_id] = self
        self.connected_will = self.will
        self.broker.sessions[self.client_id] = [p for p, _ in self.subscriptions]
        self.connected = True
        if self.on_connected is not None:
            self.on_connected(present)
        for topic, payload in self.broker.queued.pop(self.client_id, []):
            self.deliver(topic, payload)

    def wants(self, topic: str) -> bool:
        return any(topic_matches(pattern, topic) for pattern, _ in self.subscriptions)

    def deliver(self, topic: str, payload: bytes) -> None:
        if self.on_message is not None:
            self.on_message(topic, payload)

    def publish(self, topic: str | bytes, payload: bytes, qos: int = 0,
                retain: bool = False) -> bool:
        if not self.connected:
            return False
        text = topic.decode() if isinstance(topic, bytes) else topic
        self.broker.publish(text, payload, qos, retain, sender=self.client_id)
        return True

    async def close(self, final: Iterable[tuple[str, bytes, int, bool]] = (), *,
                    forget_session: bool = False) -> None:
        for topic, payload, qos, retain in final:
            self.publish(topic, payload, qos, retain)
        if forget_session:
            self.broker.sessions.pop(self.client_id, None)
            self.broker.queued.pop(self.client_id, None)
        self.broker.connections.pop(self.client_id, None)
        self.connected = False
        self.closed = True
