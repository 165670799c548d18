"""MQTT 3.1.1 packets, encoded and decoded, with no I/O.

Only what a device needs: CONNECT (with a Last Will), CONNACK, PUBLISH at QoS 0 and 1,
PUBACK, SUBSCRIBE/SUBACK, PINGREQ/PINGRESP and DISCONNECT. The encoding follows the OASIS
MQTT 3.1.1 standard (sections 2 and 3). ``connection.py`` puts these bytes on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK = 8, 9, 10, 11
PINGREQ, PINGRESP, DISCONNECT = 12, 13, 14

PINGREQ_PACKET = b"\xc0\x00"
DISCONNECT_PACKET = b"\xe0\x00"
CONNACK_REASONS = {
    1: "unacceptable protocol version",
    2: "client identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorised",
}
MAX_REMAINING_LENGTH = 268_435_455


class ProtocolError(Exception):
    """The peer sent bytes that are not MQTT 3.1.1."""


def encode_length(length: int) -> bytes:
    """The variable-length 'remaining length' field (section 2.2.3)."""
    if length < 128:
        return bytes((length,))
    if length > MAX_REMAINING_LENGTH:
        raise ValueError(f"packet of {length} bytes is over MQTT's limit")
    out = bytearray()
    while True:
        digit, length = length % 128, length // 128
        out.append(digit | 0x80 if length else digit)
        if not length:
            return bytes(out)


def encode_string(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > 65535:
        raise ValueError("an MQTT string is at most 65535 bytes")
    return len(raw).to_bytes(2, "big") + raw


@dataclass(frozen=True)
class Will:
    """A Last Will: what the broker publishes for a client that vanishes."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


def encode_connect(
    client_id: str,
    *,
    username: str | None = None,
    password: str | None = None,
    will: Will | None = None,
    clean_session: bool = True,
    keepalive: int = 60,
) -> bytes:
    flags = 0x02 if clean_session else 0
    payload = [encode_string(client_id)]
    if will is not None:
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
        payload += [encode_string(will.topic), encode_string(will.payload)]
    if username is not None:
        flags |= 0x80
        payload.append(encode_string(username))
        if password is not None:
            flags |= 0x40
            payload.append(encode_string(password))
    body = b"".join([encode_string("MQTT"), bytes((4, flags)), keepalive.to_bytes(2, "big"),
                     *payload])
    return b"\x10" + encode_length(len(body)) + body


def encode_publish(
    topic: bytes, payload: bytes, qos: int = 0, retain: bool = False, packet_id: int = 0,
    dup: bool = False,
) -> bytes:
    """A PUBLISH; ``topic`` is already UTF-8 encoded (callers cache it)."""
    header = 0x30 | (0x08 if dup else 0) | (qos << 1) | (1 if retain else 0)
    if qos:
        variable = len(topic).to_bytes(2, "big") + topic + packet_id.to_bytes(2, "big")
    else:
        variable = len(topic).to_bytes(2, "big") + topic
    return bytes((header,)) + encode_length(len(variable) + len(payload)) + variable + payload


def encode_puback(packet_id: int) -> bytes:
    return b"\x40\x02" + packet_id.to_bytes(2, "big")


def encode_subscribe(packet_id: int, filters: list[tuple[str, int]]) -> bytes:
    body = packet_id.to_bytes(2, "big") + b"".join(
        encode_string(topic) + bytes((qos,)) for topic, qos in filters
    )
    return b"\x82" + encode_length(len(body)) + body


@dataclass(frozen=True, slots=True)
class Packet:
    """One decoded packet: its type, header flags and body."""

    kind: int
    flags: int
    body: bytes


@dataclass(frozen=True, slots=True)
class Publication:
    """A decoded PUBLISH body."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    packet_id: int


def decode_publish(packet: Packet) -> Publication:
    body = packet.body
    qos = (packet.flags >> 1) & 0x03
    if qos == 3:
        raise ProtocolError("PUBLISH with QoS 3")
    topic_len = int.from_bytes(body[:2], "big")
    topic = body[2 : 2 + topic_len].decode()
    offset = 2 + topic_len
    packet_id = 0
    if qos:
        packet_id = int.from_bytes(body[offset : offset + 2], "big")
        offset += 2
    return Publication(topic, body[offset:], qos, bool(packet.flags & 1), packet_id)


class PacketReader:
    """Splits a byte stream into packets."""

    def __init__(self, max_packet: int = 1 << 20) -> None:
        self.buffer = bytearray()
        self.max_packet = max_packet

    def feed(self, data: bytes) -> Iterator[Packet]:
        self.buffer += data
        while True:
            packet = self._next()
            if packet is None:
                return
            yield packet

    def _next(self) -> Packet | None:
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        length, multiplier, index = 0, 1, 1
        while True:
            if index >= len(buffer):
                return None
            digit = buffer[index]
            length += (digit & 0x7F) * multiplier
            index += 1
            if not digit & 0x80:
                break
            multiplier *= 128
            if index > 4:
                raise ProtocolError("malformed remaining length")
        if length > self.max_packet:
            raise ProtocolError(f"packet of {length} bytes is over the {self.max_packet} limit")
        end = index + length
        if len(buffer) < end:
            return None
        first = buffer[0]
        packet = Packet(first >> 4, first & 0x0F, bytes(buffer[index:end]))
        del buffer[:end]
        return packet
