"""The command path every device shares: envelopes, bad input, built-in actions, evidence."""

from __future__ import annotations

import json

import pytest

from lab_devices.device.commands import MAX_COMMAND_BYTES
from lab_devices.models.air_quality import AirQualityStation
from lab_devices.models.tracker import AssetTracker


@pytest.fixture
def station(monday: float, drive) -> AirQualityStation:
    device = AirQualityStation("air-1", {"seed": 7}, trainee="an", lab="iot101",
                               started_at=monday)
    drive(device, monday, 120)
    return device


def reply_to(device, raw: bytes) -> dict:
    message = device.handle(raw)
    assert message is not None
    assert message.topic == "reply" and message.qos == 1 and not message.retain
    return json.loads(message.payload)


@pytest.mark.parametrize(
    ("raw", "error_part", "reply_id"),
    [
        (b"garbage", "not valid JSON", None),
        (b"\xff\xfe", "not valid JSON", None),
        (b"[1, 2]", "must be a JSON object, not list", None),
        (b'{"action": "ping"}', "has no 'id'", None),
        (b'{"id": true, "action": "ping"}', "'id' must be a string or an integer", None),
        (b'{"id": 3.5, "action": "ping"}', "'id' must be a string or an integer", None),
        (b'{"id": 4}', "no 'action' string", 4),
        (b'{"id": "x", "action": 5}', "no 'action' string", "x"),
        (b'{"id": 6, "action": "explode"}', "unknown action 'explode'", 6),
        (b'{"id": 7, "action": "set_interval", "seconds": "5"}',
         "set_interval: seconds: Input should be a valid number", 7),
        (b'{"id": 8, "action": "set_interval"}', "set_interval: seconds: Field required", 8),
        (b'{"id": 9, "action": "set_interval", "seconds": 0}',
         "seconds: Input should be greater than or equal to 0.1", 9),
        (b'{"id": 10, "action": "ping", "loud": true}', "loud: Extra inputs are not permitted", 10),
        (b'{"id": 11, "action": "calibrate", "channel": "colour", "reference": 1}',
         "unknown channel 'colour'", 11),
    ],
)
def test_a_bad_command_gets_an_error_reply_naming_what_was_wrong(station, raw, error_part,
                                                                 reply_id):
    reply = reply_to(station, raw)
    assert reply["ok"] is False
    assert error_part in reply["error"]
    assert reply["id"] == reply_id


def test_an_oversized_command_is_refused_before_it_is_parsed(station):
    raw = json.dumps({"id": 1, "action": "ping", "pad": "x" * MAX_COMMAND_BYTES}).encode()
    reply = reply_to(station, raw)
    assert reply["ok"] is False
    assert f"the limit is {MAX_COMMAND_BYTES}" in reply["error"]


def test_the_device_keeps_running_after_bad_commands(station, monday, drive, send):
    for raw in (b"garbage", b"{}", b'{"id": 1, "action": "nope"}', b"\x00" * 5000):
        reply_to(station, raw)
    documents = drive(station, monday + 200, 10, step=1)
    assert len(documents) == 11
    assert send(station, "ping")["ok"] is True


def test_every_rejected_command_is_recorded_as_evidence(station):
    reply_to(station, b"garbage")
    rejected = [e for e in station.evidence if e.action == "command_rejected"]
    assert len(rejected) == 1
    assert "not valid JSON" in rejected[0].detail["error"]


def test_ping_answers_with_the_same_id(station):
    raw = json.dumps({"id": "abc-1", "action": "ping"}).encode()
    reply = reply_to(station, raw)
    assert reply == {"id": "abc-1", "ok": True, "pong": True, "ts": reply["ts"]}


def test_get_returns_the_latest_readings(station, send):
    reply = send(station, "get")
    assert set(reply["values"]) == set(AirQualityStation.units)


def test_set_interval_changes_the_cadence_and_is_evidence(station, send):
    reply = send(station, "set_interval", seconds=10)
    assert reply == {"id": 1, "ok": True, "interval": 10.0}
    assert station.interval == 10.0
    changed = [e for e in station.evidence if e.action == "setpoint_changed"]
    assert changed[-1].detail == {"setpoint": "interval", "from": 1.0, "to": 10.0}


def test_accepted_commands_are_evidence_with_their_parameters(station, send):
    send(station, "set_interval", seconds=5)
    accepted = [e for e in station.evidence if e.action == "command_accepted"]
    assert accepted[-1].detail == {"command": "set_interval", "seconds": 5}
    assert accepted[-1].trainee == "an" and accepted[-1].lab == "iot101"
    assert accepted[-1].device == "air-1"


def test_ack_alarm_of_an_alarm_that_is_not_active_is_an_error(station, send):
    reply = send(station, "ack_alarm", alarm="pm25_high")
    assert reply["ok"] is False
    assert "no active alarm 'pm25_high'" in reply["error"]


def test_ack_alarm_marks_the_alarm_acked_in_telemetry(monday, drive, send):
    device = AirQualityStation("air-1", {"traffic": 10, "seed": 1}, started_at=monday)
    documents = drive(device, monday + 7 * 3600, 600)  # the morning rush
    assert any(a["id"] == "pm25_high" for a in documents[-1]["alarms"])
    assert send(device, "ack_alarm", alarm="pm25_high")["acked"] is True
    document = drive(device, monday + 7 * 3600 + 660, 0)[0]
    assert {"id": "pm25_high", "acked": True} in document["alarms"]
    assert device.evidence[-2].action == "alarm_acknowledged"


def test_set_filter_needs_an_odd_window(station, send):
    reply = send(station, "set_filter", channel="pm25", window=4)
    assert reply["ok"] is False and "window must be odd" in reply["error"]


def test_set_filter_median_filters_the_channel(station, monday, send):
    send(station, "set_filter", channel="noise", window=5)
    assert station.filters["noise"].maxlen == 5
    assert send(station, "set_filter", channel="noise", window=1)["window"] == 1
    assert "noise" not in station.filters


def test_replace_battery_on_a_mains_device_is_an_error(station, send):
    reply = send(station, "replace_battery")
    assert reply["ok"] is False and "no battery" in reply["error"]


def test_replace_battery_recharges_a_tracker(monday, drive, send):
    tracker = AssetTracker("truck-1", {"battery": 20}, started_at=monday)
    drive(tracker, monday, 60)
    assert send(tracker, "replace_battery")["battery"] == 100.0
    assert drive(tracker, monday + 61, 0)[0]["battery"] > 99.9


def test_report_fault_of_an_unknown_kind_is_an_error(station, send):
    reply = send(station, "report_fault", kind="gremlins")
    assert reply["ok"] is False and "unknown fault kind 'gremlins'" in reply["error"]


def test_report_fault_without_a_fault_is_recorded_as_incorrect(station, send):
    reply = send(station, "report_fault", kind="stuck", channel="pm25")
    assert reply["correct"] is False
    assert station.evidence[-2].detail["correct"] is False


def test_meta_lists_model_units_and_commands(station):
    message = station.meta_message()
    assert message.topic == "meta" and message.retain and message.qos == 1
    meta = json.loads(message.payload)
    assert meta["model"] == "air_quality" and meta["id"] == "air-1"
    assert meta["units"]["pm25"] == "µg/m³"
    assert meta["commands"]["set_interval"]["required"] == ["seconds"]
    assert meta["max_command_bytes"] == MAX_COMMAND_BYTES


def test_status_is_retained_and_online(station):
    message = station.status_message()
    assert (message.topic, message.payload, message.qos, message.retain) == (
        "status", b"online", 1, True)
