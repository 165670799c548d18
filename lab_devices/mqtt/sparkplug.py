"""Sparkplug B for a device: NBIRTH, NDATA and NDEATH (Eclipse Sparkplug 3.0).

Sparkplug B payloads are Protocol Buffers. The maintained Python package, pysparkplug,
pins paho-mqtt 1.x, which SenLab cannot use (it runs paho-mqtt 2), so this module encodes
the few fields a device needs directly (the wire format is small and stable):

    Payload { uint64 timestamp = 1; repeated Metric metrics = 2; uint64 seq = 3; }
    Metric  { string name = 1; uint64 timestamp = 3; uint32 datatype = 4;
              bool is_null = 7; uint64 long_value = 11; double double_value = 13;
              bool boolean_value = 14; string string_value = 15; }

``SparkplugEdge`` is a device's edge node: its own connection whose Last Will is the
NDEATH (with the birth/death sequence ``bdSeq``), an NBIRTH with every metric on each
connection, NDATA with the metrics that changed since the last message (report by
exception), and a new NBIRTH when the host application asks for a rebirth (NCMD
``Node Control/Rebirth``). Topics: ``spBv1.0/<trainee>/<type>/<lab>-<device>``, so the
broker's per-trainee ACL on ``spBv1.0/<trainee>/#`` isolates them as it does ``labs/``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lab_devices.mqtt.codec import Will

NAMESPACE = "spBv1.0"
INT64, UINT64, DOUBLE, BOOLEAN, STRING = 4, 8, 10, 11, 12
REBIRTH = "Node Control/Rebirth"


# -- the wire format -------------------------------------------------------------------------
def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 values are sent as two's complement
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | 0x80 if value else byte)
        if not value:
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _bytes_field(field: int, data: bytes) -> bytes:
    return _key(field, 2) + _varint(len(data)) + data


def encode_metric(name: str, value: Any, timestamp_ms: int) -> bytes:
    """One Metric message; the datatype follows the Python type of ``value``."""
    out = _bytes_field(1, name.encode()) + _key(3, 0) + _varint(timestamp_ms)
    if value is None:
        return out + _key(4, 0) + _varint(STRING) + _key(7, 0) + b"\x01"
    if isinstance(value, bool):
        return out + _key(4, 0) + _varint(BOOLEAN) + _key(14, 0) + _varint(int(value))
    if isinstance(value, int):
        return out + _key(4, 0) + _varint(INT64) + _key(11, 0) + _varint(value)
    if isinstance(value, float):
        return out + _key(4, 0) + _varint(DOUBLE) + _key(13, 1) + struct.pack("<d", value)
    return out + _key(4, 0) + _varint(STRING) + _bytes_field(15, str(value).encode())


def encode_payload(timestamp_ms: int, metrics: Mapping[str, Any], seq: int | None) -> bytes:
    body = _key(1, 0) + _varint(timestamp_ms)
    for name, value in metrics.items():
        body += _bytes_field(2, encode_metric(name, value, timestamp_ms))
    if seq is not None:
        body += _key(3, 0) + _varint(seq)
    return body


def _fields(data: bytes) -> Iterable[tuple[int, int, Any]]:
    index = 0
    value: Any
    while index < len(data):
        key, index = _read_varint(data, index)
        field, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, index = _read_varint(data, index)
        elif wire_type == 1:
            value, index = data[index:index + 8], index + 8
        elif wire_type == 2:
            length, index = _read_varint(data, index)
            value, index = data[index:index + length], index + length
        elif wire_type == 5:
            value, index = data[index:index + 4], index + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")
        yield field, wire_type, value


def _read_varint(data: bytes, index: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if index >= len(data):
            raise ValueError("truncated varint")
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, index


def _decode_metric(data: bytes) -> tuple[str, Any]:
    name, value, datatype, null = "", None, STRING, False
    for field, _, raw in _fields(data):
        if field == 1:
            name = raw.decode()
        elif field == 4:
            datatype = raw
        elif field == 7:
            null = bool(raw)
        elif field in (10, 11):
            value = raw - (1 << 64) if datatype == INT64 and raw >= 1 << 63 else raw
        elif field == 12:
            value = struct.unpack("<f", raw)[0]
        elif field == 13:
            value = struct.unpack("<d", raw)[0]
        elif field == 14:
            value = bool(raw)
        elif field == 15:
            value = raw.decode()
    return name, None if null else value


def decode_payload(data: bytes) -> dict[str, Any]:
    """A payload as ``{"timestamp", "seq", "metrics": {name: value}}`` (for tests and tools)."""
    out: dict[str, Any] = {"timestamp": None, "seq": None, "metrics": {}}
    for field, _, raw in _fields(data):
        if field == 1:
            out["timestamp"] = raw
        elif field == 2:
            name, value = _decode_metric(raw)
            out["metrics"][name] = value
        elif field == 3:
            out["seq"] = raw
    return out


# -- an edge node ----------------------------------------------------------------------------
def topic(group: str, kind: str, node: str) -> str:
    return f"{NAMESPACE}/{group}/{kind}/{node}"


def edge_node_id(lab: str, device: str) -> str:
    """A device's edge node id within its trainee's group (the group id is the trainee)."""
    return f"{lab}-{device}"


class SparkplugEdge:
    """A device's Sparkplug B edge node, on a connection of its own."""

    def __init__(self, group: str, node: str, connect: Callable[..., Any],
                 metrics: Callable[[], Mapping[str, Any]],
                 clock: Callable[[], float]) -> None:
        self.group, self.node = group, node
        self.metrics, self.clock = metrics, clock
        self.bd_seq = 0
        self.seq = 0
        self.last: dict[str, Any] = {}
        self.births = 0
        self.connection = connect(
            f"fleet-spb:{group}/{node}", will=self._death_will(), clean_session=True,
            subscriptions=[(topic(group, "NCMD", node), 0)],
            on_message=self._on_command, on_connected=self._on_connected,
        )

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _death_payload(self) -> bytes:
        return encode_payload(self._now_ms(), {"bdSeq": self.bd_seq}, None)

    def _death_will(self) -> Will:
        return Will(topic(self.group, "NDEATH", self.node), self._death_payload(), qos=1,
                    retain=False)

    def _on_connected(self, session_present: bool) -> None:
        self.birth()
        # The next connection announces the next bdSeq; its Will must carry it too.
        self.bd_seq = (self.bd_seq + 1) % 256
        self.connection.will = self._death_will()

    def birth(self) -> None:
        """NBIRTH: every metric, with bdSeq and the rebirth control; seq starts at 0."""
        self.seq = 0
        self.last = dict(self.metrics())
        metrics = {"bdSeq": self.bd_seq, REBIRTH: False, **self.last}
        self.births += 1
        self.connection.publish(topic(self.group, "NBIRTH", self.node),
                                encode_payload(self._now_ms(), metrics, self.seq), 0, False)

    def publish_data(self, values: Mapping[str, Any]) -> None:
        """NDATA with the metrics that changed since the last message."""
        changed = {k: v for k, v in values.items() if self.last.get(k) != v}
        if not changed or not self.connection.connected:
            return
        self.last.update(changed)
        self.seq = (self.seq + 1) % 256
        self.connection.publish(topic(self.group, "NDATA", self.node),
                                encode_payload(self._now_ms(), changed, self.seq), 0, False)

    def _on_command(self, topic_name: str, payload: bytes) -> None:
        try:
            metrics = decode_payload(payload)["metrics"]
        except (ValueError, UnicodeDecodeError, struct.error, IndexError):
            return  # not Sparkplug: NCMD has no reply topic to carry an error
        if metrics.get(REBIRTH) is True:
            self.birth()

    async def start(self, timeout: float = 10.0) -> None:
        await self.connection.start(timeout)

    async def stop(self) -> None:
        """Publish the NDEATH ourselves, as a clean disconnect sends no Will."""
        death = topic(self.group, "NDEATH", self.node)
        previous = (self.bd_seq - 1) % 256
        payload = encode_payload(self._now_ms(), {"bdSeq": previous}, None)
        await self.connection.close(final=[(death, payload, 1, False)])
