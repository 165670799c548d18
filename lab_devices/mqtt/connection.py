"""The MQTT connection: one lean MQTT 3.1.1 client connection on asyncio.

This module (with the pure codec in ``codec.py``) is the only place that speaks
MQTT. A fleet holds thousands of connections, one per device, each with its own Last
Will, so the client is kept small: no thread, no ``select()`` (asyncio's epoll scales
past the 1,024 descriptors that break ``select``), one ``transport.write`` per message,
and no task per connection (reconnection and keepalive are loop callbacks).

A connection:

* connects with ``clean_session`` false by default, so the broker keeps its subscriptions
  and queues QoS 1 messages for it while it is away;
* acknowledges an incoming QoS 1 message only after its handler has run, so a command the
  broker accepted is never lost to a crash between delivery and handling;
* keeps its outgoing QoS 1 messages until the broker acknowledges them, and sends them
  again (DUP) after a reconnect;
* reconnects by itself with jittered exponential back-off (0.25 s doubling to at most
  `RECONNECT_MOST_S`, so a broker that was restarted within a second or two has its
  devices back within a couple of seconds), then calls ``on_connected``
  (where a device republishes its retained ``meta`` and ``status``);
* drops QoS 0 messages, and counts them, while the socket is not writable, rather than
  queueing without bound.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lab_devices.mqtt.codec import (
    CONNACK,
    CONNACK_REASONS,
    DISCONNECT_PACKET,
    PINGREQ_PACKET,
    PUBACK,
    PUBLISH,
    SUBACK,
    PacketReader,
    ProtocolError,
    Will,
    decode_publish,
    encode_connect,
    encode_length,
    encode_puback,
    encode_publish,
    encode_subscribe,
)

__all__ = ["BrokerConfig", "ConnectionRefused", "MqttConnection", "Will"]

log = logging.getLogger(__name__)
# The longest wait between reconnection attempts. Refused attempts cost the broker little,
# and spread by the jitter, 10,000 devices retrying every 2 s are 5,000 attempts a second.
RECONNECT_MOST_S = 2.0

MessageHandler = Callable[[str, bytes], None]
# QoS 1 messages kept for a disconnected client before the oldest are dropped.
MAX_QUEUED_QOS1 = 1000


@dataclass(frozen=True)
class BrokerConfig:
    """Where the broker is and how to log in."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    keepalive: int = 60
    # A fleet on the broker's own machine may use its Unix socket listener instead of
    # TCP: the same MQTT, with a cheaper kernel path per message.
    unix_path: str | None = None


class ConnectionRefused(Exception):
    """The broker refused the CONNECT; the text says why."""


class MqttConnection(asyncio.Protocol):
    """One client's connection; after ``start()`` it stays connected until ``close()``."""

    def __init__(
        self,
        broker: BrokerConfig,
        client_id: str,
        *,
        will: Will | None = None,
        clean_session: bool = False,
        subscriptions: Iterable[tuple[str, int]] = (),
        on_message: MessageHandler | None = None,
        on_connected: Callable[[bool], None] | None = None,
    ) -> None:
        self.broker = broker
        self.client_id = client_id
        self.will = will
        self.clean_session = clean_session
        self.subscriptions = list(subscriptions)
        self.on_message = on_message
        self.on_connected = on_connected
        self.transport: asyncio.Transport | None = None
        self.connected = False
        # True once the broker has acknowledged this connection's subscriptions: from then
        # on its (persistent) session holds them, across a broker restart too.
        self.subscribed = False
        self.closing = False
        self.paused = False
        self.dropped = 0
        self.reconnects = 0
        self._reader = PacketReader()
        self._next_id = 0
        self._inflight: dict[int, tuple[bytes, bytes, bool]] = {}
        self._queued: deque[tuple[bytes, bytes, bool]] = deque(maxlen=MAX_QUEUED_QOS1)
        self._connack: asyncio.Future[None] | None = None
        self._sent = 0
        self._sent_at_check = 0
        self._timer: asyncio.TimerHandle | None = None
        self._lost: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, timeout: float = 10.0, attempts: int = 3) -> None:
        """Connect; raise ConnectionRefused at once, or OSError after ``attempts`` tries."""
        self._loop = asyncio.get_running_loop()
        self.closing = False
        for attempt in range(attempts):
            try:
                await asyncio.wait_for(self._connect(), timeout)
                return
            except (OSError, ConnectionError):
                # A broker busy accepting thousands of clients may reset a few: try again.
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1) * random.uniform(0.5, 1.5))

    async def _connect(self) -> None:
        assert self._loop is not None
        self._connack = self._loop.create_future()
        self._reader = PacketReader()
        if self.broker.unix_path:
            transport, _ = await self._loop.create_unix_connection(
                lambda: self, self.broker.unix_path
            )
        else:
            transport, _ = await self._loop.create_connection(
                lambda: self, self.broker.host, self.broker.port
            )
        try:
            await self._connack
        except BaseException:
            transport.abort()
            raise

    async def close(self, final: Iterable[tuple[str, bytes, int, bool]] = (), *,
                    forget_session: bool = False) -> None:
        """Publish ``final`` messages, disconnect cleanly (no Will) and stop reconnecting.

        With ``forget_session`` the broker also drops the client's persistent session (its
        subscriptions and queued messages), as a device that is gone for good should.
        """
        self.closing = True
        if self._timer is not None:
            self._timer.cancel()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        for topic, payload, qos, retain in final:
            self.publish(topic, payload, qos, retain)
        assert self._loop is not None
        self._lost = self._loop.create_future()
        transport.write(DISCONNECT_PACKET)
        transport.close()
        if forget_session:
            await self._forget_session()

    async def _forget_session(self) -> None:
        # MQTT 3.1.1: a CONNECT with clean_session set discards the stored session.
        try:
            await asyncio.wait_for(asyncio.shield(self._lost), 5.0)  # type: ignore[arg-type]
            self.clean_session, self.will, self.subscriptions = True, None, []
            self.on_message = self.on_connected = None
            await asyncio.wait_for(self._connect(), 10.0)
        except (OSError, ConnectionError, ConnectionRefused, TimeoutError):
            return  # the broker's persistent_client_expiration remains the backstop
        if self.transport is not None:
            self._lost = self._loop.create_future()  # type: ignore[union-attr]
            self.transport.write(DISCONNECT_PACKET)
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.paused = False
        broker = self.broker
        self._write(encode_connect(
            self.client_id, username=broker.username, password=broker.password,
            will=self.will, clean_session=self.clean_session, keepalive=broker.keepalive,
        ))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)
        was_connected = self.connected
        self.connected = False
        self.subscribed = False
        self.transport = None
        if self._connack is not None and not self._connack.done():
            self._connack.set_exception(ConnectionError(f"{self.client_id}: connection lost"))
        if self._timer is not None:
            self._timer.cancel()
        if not self.closing and was_connected:
            self._schedule_reconnect(attempt=0)

    def _schedule_reconnect(self, attempt: int) -> None:
        assert self._loop is not None
        delay = min(RECONNECT_MOST_S, 0.25 * 2**attempt) * random.uniform(0.5, 1.5)
        self._loop.call_later(delay, lambda: self._loop.create_task(self._reconnect(attempt)))  # type: ignore[union-attr]

    async def _reconnect(self, attempt: int) -> None:
        if self.closing:
            return
        try:
            await asyncio.wait_for(self._connect(), 10.0)
            self.reconnects += 1
        except (OSError, ConnectionRefused, ConnectionError, TimeoutError) as exc:
            log.debug("%s: reconnect %d failed: %s", self.client_id, attempt, exc)
            if not self.closing:
                self._schedule_reconnect(attempt + 1)

    # -- writing -------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)
        self._sent += 1

    def publish(self, topic: str | bytes, payload: bytes, qos: int = 0,
                retain: bool = False) -> bool:
        """Send now if connected; QoS 1 waits for a reconnect, QoS 0 is dropped (counted)."""
        raw_topic = topic.encode() if isinstance(topic, str) else topic
        if qos == 0:
            if not self.connected or self.paused:
                self.dropped += 1
                return False
            self.transport.write(encode_publish(raw_topic, payload, 0, retain))  # type: ignore[union-attr]
            self._sent += 1
            return True
        if not self.connected:
            self._queued.append((raw_topic, payload, retain))
            return False
        self._send_qos1(raw_topic, payload, retain, dup=False, packet_id=None)
        return True

    def publish_qos0(self, variable_header: bytes, payload: bytes) -> bool:
        """The telemetry fast path: ``variable_header`` is the length-prefixed topic."""
        if not self.connected or self.paused:
            self.dropped += 1
            return False
        length = len(variable_header) + len(payload)
        size = bytes((length,)) if length < 128 else encode_length(length)
        self.transport.write(b"\x30" + size + variable_header + payload)  # type: ignore[union-attr]
        self._sent += 1
        return True

    def _send_qos1(self, topic: bytes, payload: bytes, retain: bool, *, dup: bool,
                   packet_id: int | None) -> None:
        if packet_id is None:
            self._next_id = self._next_id % 65534 + 1  # 65535 is the SUBSCRIBE's id
            packet_id = self._next_id
        self._inflight[packet_id] = (topic, payload, retain)
        self._write(encode_publish(topic, payload, 1, retain, packet_id, dup))

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False

    # -- reading -------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        try:
            for packet in self._reader.feed(data):
                if packet.kind == PUBLISH:
                    self._on_publish(decode_publish(packet))
                elif packet.kind == PUBACK:
                    self._inflight.pop(int.from_bytes(packet.body[:2], "big"), None)
                elif packet.kind == CONNACK:
                    self._on_connack(packet.body)
                elif packet.kind == SUBACK:
                    if b"\x80" in packet.body[2:]:
                        log.warning("%s: broker refused a subscription", self.client_id)
                    self.subscribed = True
        except ProtocolError as exc:
            log.warning("%s: %s; dropping the connection", self.client_id, exc)
            if self.transport is not None:
                self.transport.abort()

    def _on_publish(self, publication) -> None:  # noqa: ANN001
        if self.on_message is not None:
            try:
                self.on_message(publication.topic, publication.payload)
            except Exception:
                # A broken handler must not take the connection down with it.
                log.exception("%s: handler failed on %s", self.client_id, publication.topic)
        if publication.qos == 1 and self.transport is not None:
            self._write(encode_puback(publication.packet_id))

    def _on_connack(self, body: bytes) -> None:
        session_present, code = bool(body[0] & 1), body[1]
        future = self._connack
        if code != 0:
            reason = CONNACK_REASONS.get(code, f"code {code}")
            if future is not None and not future.done():
                future.set_exception(ConnectionRefused(f"{self.client_id}: {reason}"))
            return
        self.connected = True
        self.subscribed = not self.subscriptions
        if self.subscriptions:
            self._write(encode_subscribe(0xFFFF, self.subscriptions))
        for packet_id, (topic, payload, retain) in list(self._inflight.items()):
            self._send_qos1(topic, payload, retain, dup=True, packet_id=packet_id)
        while self._queued:
            topic, payload, retain = self._queued.popleft()
            self._send_qos1(topic, payload, retain, dup=False, packet_id=None)
        self._arm_keepalive()
        if future is not None and not future.done():
            future.set_result(None)
        if self.on_connected is not None:
            self.on_connected(session_present)

    def _arm_keepalive(self) -> None:
        assert self._loop is not None
        half = self.broker.keepalive / 2
        self._timer = self._loop.call_later(half, self._keepalive)

    def _keepalive(self) -> None:
        if not self.connected or self.transport is None:
            return
        # Any packet we send resets the broker's keepalive clock; ping only when idle.
        if self._sent == self._sent_at_check:
            self._write(PINGREQ_PACKET)
        self._sent_at_check = self._sent
        self._arm_keepalive()
