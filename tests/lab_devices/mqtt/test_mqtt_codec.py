"""MQTT 3.1.1 packets: encodings checked against the standard's examples and round trips."""

from __future__ import annotations

import pytest

from lab_devices.mqtt.codec import (
    CONNECT,
    PUBLISH,
    PacketReader,
    ProtocolError,
    Will,
    decode_publish,
    encode_connect,
    encode_length,
    encode_publish,
    encode_subscribe,
)


@pytest.mark.parametrize(("length", "encoded"), [
    (0, b"\x00"), (127, b"\x7f"), (128, b"\x80\x01"), (16383, b"\xff\x7f"),
    (16384, b"\x80\x80\x01"), (268_435_455, b"\xff\xff\xff\x7f"),
])
def test_remaining_length_matches_the_standards_table(length, encoded):
    assert encode_length(length) == encoded


def test_remaining_length_past_the_limit_is_refused():
    with pytest.raises(ValueError, match="over MQTT's limit"):
        encode_length(268_435_456)


def test_connect_carries_the_will_credentials_and_session_flags():
    packet = encode_connect("dev-1", username="u", password="p",
                            will=Will("labs/a/b/c/status", b"offline", qos=1, retain=True),
                            clean_session=False, keepalive=30)
    parsed = list(PacketReader().feed(packet))[0]
    assert parsed.kind == CONNECT
    body = parsed.body
    assert body[:6] == b"\x00\x04MQTT" and body[6] == 4
    assert body[7] == 0x80 | 0x40 | 0x20 | 0x08 | 0x04  # user, password, will retain/QoS 1/flag
    assert body[8:10] == (30).to_bytes(2, "big")
    assert b"labs/a/b/c/status" in body and body.endswith(b"\x00\x01u\x00\x01p")


def test_publish_round_trips_at_qos_0_and_1():
    for qos, packet_id in ((0, 0), (1, 77)):
        raw = encode_publish(b"labs/x/telemetry", b'{"a":1}', qos, True, packet_id)
        packet = list(PacketReader().feed(raw))[0]
        assert packet.kind == PUBLISH
        publication = decode_publish(packet)
        assert (publication.topic, publication.payload, publication.qos, publication.retain,
                publication.packet_id) == ("labs/x/telemetry", b'{"a":1}', qos, True, packet_id)


def test_the_reader_reassembles_packets_split_anywhere():
    stream = encode_publish(b"t", b"x" * 300, 1, False, 5) + encode_subscribe(9, [("a/#", 1)])
    reader = PacketReader()
    packets = []
    for index in range(len(stream)):
        packets += list(reader.feed(stream[index:index + 1]))
    assert [p.kind for p in packets] == [PUBLISH, 8]
    assert decode_publish(packets[0]).payload == b"x" * 300


def test_a_malformed_length_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="malformed remaining length"):
        list(PacketReader().feed(b"\x30\xff\xff\xff\xff\x01"))


def test_an_oversized_packet_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="over the 100 limit"):
        list(PacketReader(max_packet=100).feed(b"\x30" + encode_length(1000)))


def test_publish_with_qos_3_is_a_protocol_error():
    packet = list(PacketReader().feed(b"\x36\x03\x00\x01t"))[0]
    with pytest.raises(ProtocolError, match="QoS 3"):
        decode_publish(packet)
