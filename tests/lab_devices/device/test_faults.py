"""Faults: scheduled and injected, their effect on readings, the trainee's fixes, the record."""

from __future__ import annotations

import json
import statistics

import pytest

from lab_devices.device.faults import Fault
from lab_devices.models.air_quality import AirQualityStation
from lab_devices.models.tracker import AssetTracker
from lab_devices.models.wastewater import WastewaterStation


def station(monday: float, *faults: Fault, **params) -> AirQualityStation:
    return AirQualityStation("air-1", {"seed": 3, **params}, started_at=monday, faults=faults)


def test_a_fault_needs_a_known_kind():
    with pytest.raises(ValueError, match="unknown fault kind 'gremlin'"):
        Fault("gremlin")


def test_a_channel_fault_needs_a_channel():
    with pytest.raises(ValueError, match="a stuck fault needs a channel"):
        Fault("stuck")


def test_a_fault_probability_must_be_a_probability():
    with pytest.raises(ValueError, match="probability must be within 0..1"):
        Fault("dropout", probability=1.5)


def test_a_stuck_channel_repeats_its_value_while_others_move(monday, drive):
    device = station(monday, Fault("stuck", channel="pm25", at=600))
    documents = drive(device, monday, 3600)
    before = [d["pm25"] for d in documents if d["ts"] < monday + 600]
    after = [d["pm25"] for d in documents if d["ts"] >= monday + 600]
    assert len(set(before)) > 3
    assert len(set(after)) == 1
    assert len({d["pm10"] for d in documents if d["ts"] >= monday + 600}) > 3


def test_restart_ends_a_stuck_fault_and_records_the_fix(monday, drive, send):
    device = station(monday, Fault("stuck", channel="pm25", at=0))
    drive(device, monday, 600)
    reply = send(device, "restart")
    assert reply["resolved"] == ["stuck"]
    after = drive(device, monday + 660, 1800)
    assert len({d["pm25"] for d in after}) > 3
    record = device.faults.summaries()[0]
    assert record["resolved"] is True and record["ended_by"] == "trainee"
    assert any(e.action == "fault_resolved" and e.detail["by"] == "restart"
               for e in device.evidence)


def test_drift_grows_at_its_rate_per_hour(monday, drive):
    clean = WastewaterStation("ww", {"seed": 5}, started_at=monday)
    drifting = WastewaterStation("ww", {"seed": 5}, started_at=monday,
                                 faults=[Fault("drift", channel="ph", rate=0.5)])
    a = drive(clean, monday, 4 * 3600)
    b = drive(drifting, monday, 4 * 3600)
    assert b[-1]["ph"] - a[-1]["ph"] == pytest.approx(2.0, abs=0.01)


def test_calibrate_ends_drift_and_reports_the_error_it_found(monday, drive, send):
    device = WastewaterStation("ww", {"seed": 5}, started_at=monday,
                               faults=[Fault("drift", channel="ph", rate=1.0)])
    drive(device, monday, 2 * 3600)
    reply = send(device, "calibrate", channel="ph", reference=7.0)
    assert reply["error_before"] == pytest.approx(2.0, abs=0.02)
    assert reply["resolved"] == ["drift"]
    evidence = [e for e in device.evidence if e.action == "calibration_applied"][0]
    assert evidence.detail["reference"] == 7.0


def test_calibrating_another_channel_does_not_fix_the_drift(monday, drive, send):
    device = WastewaterStation("ww", {"seed": 5}, started_at=monday,
                               faults=[Fault("drift", channel="ph", rate=1.0)])
    drive(device, monday, 600)
    assert send(device, "calibrate", channel="cod", reference=50.0)["resolved"] == []
    assert device.faults.active()[0].fault.kind == "drift"


def test_miscalibration_applies_gain_and_offset_until_calibrated(monday, drive, send):
    fault = Fault("miscalibration", channel="temperature", gain=1.0, offset=-3.0)
    wrong = station(monday, fault)
    right = station(monday)
    assert drive(wrong, monday, 0)[0]["temperature"] == pytest.approx(
        drive(right, monday, 0)[0]["temperature"] - 3.0, abs=0.011)
    reply = send(wrong, "calibrate", channel="temperature", reference=25.0)
    assert reply["error_before"] == pytest.approx(-3.0)
    assert reply["resolved"] == ["miscalibration"]


def test_spikes_jump_by_their_magnitude_until_filtered(monday, drive, send):
    device = station(monday, Fault("spikes", channel="noise", probability=0.3, magnitude=40))
    documents = drive(device, monday, 3 * 3600)
    jumps = [b["noise"] - a["noise"] for a, b in zip(documents, documents[1:], strict=False)]
    assert max(jumps) > 30
    assert send(device, "set_filter", channel="noise", window=5)["resolved"] == ["spikes"]
    later = drive(device, monday + 4 * 3600, 3 * 3600)
    assert max(d["noise"] for d in later) < 80


def test_dropout_loses_a_share_of_telemetry_until_restart(monday, drive, send):
    device = station(monday, Fault("dropout", probability=0.5))
    documents = drive(device, monday, 1000, step=1)
    assert 350 < len(documents) < 650
    send(device, "restart")
    assert len(drive(device, monday + 1001, 99, step=1)) == 100


def test_offline_goes_silent_then_back_with_status_and_queued_replies(monday):
    device = station(monday, Fault("offline", at=10, duration=20))
    assert [m.topic for m in device.tick(monday)] == ["telemetry"]
    went = device.tick(monday + 10)
    assert [(m.topic, m.payload) for m in went] == [("status", b"offline")]
    assert device.handle(json.dumps({"id": 9, "action": "ping"}).encode()) is None
    assert device.tick(monday + 20) == []
    back = device.tick(monday + 30)
    assert [m.topic for m in back] == ["status", "reply", "telemetry"]
    assert back[0].payload == b"online"
    assert json.loads(back[1].payload)["id"] == 9
    assert device.faults.summaries()[0]["ended_by"] == "schedule"


def test_low_battery_drops_the_reading_and_raises_the_alarm(monday, drive, send):
    tracker = AssetTracker("t1", {"seed": 2}, started_at=monday,
                           faults=[Fault("low_battery", at=60, level=10, rate=2)])
    documents = drive(tracker, monday, 3600)
    assert documents[0]["battery"] > 99
    assert documents[-1]["battery"] < 10
    assert any(a["id"] == "battery_low" for a in documents[-1]["alarms"])
    assert send(tracker, "replace_battery")["resolved"] == ["low_battery"]


def test_interference_takes_decibels_off_its_channel(monday, drive):
    # No radio model yet: the effect is generic, shown here on a channel in dB(A).
    device = station(monday, Fault("interference", channel="noise", magnitude=12))
    clean = station(monday)
    assert drive(clean, monday, 0)[0]["noise"] - drive(device, monday, 0)[0]["noise"] == \
        pytest.approx(12, abs=0.11)


def test_a_fault_ends_when_its_duration_is_over(monday, drive):
    device = station(monday, Fault("stuck", channel="co", at=100, duration=300))
    drive(device, monday, 1200)
    summary = device.faults.summaries()[0]
    assert summary["ended_at"] == monday + 400 and summary["resolved"] is False


def test_an_injected_fault_starts_now_whatever_its_at(monday, drive):
    device = station(monday)
    drive(device, monday, 600)
    record = device.faults.inject(Fault("stuck", channel="pm10", at=99999), monday + 600)
    documents = drive(device, monday + 600, 600)
    assert record.started and len({d["pm10"] for d in documents}) == 1


def test_a_correct_report_is_recorded_on_the_fault(monday, drive, send):
    device = station(monday, Fault("stuck", channel="pm25"))
    drive(device, monday, 60)
    assert send(device, "report_fault", kind="stuck", channel="pm25")["correct"] is True
    assert device.faults.summaries()[0]["reported"] is True
    assert send(device, "report_fault", kind="drift", channel="pm25")["correct"] is False


def test_a_scheduled_fault_has_no_effect_before_its_time(monday, drive):
    faulty = station(monday, Fault("drift", channel="pm25", at=3600, rate=100))
    clean = station(monday)
    assert [d["pm25"] for d in drive(faulty, monday, 3000)] == \
        [d["pm25"] for d in drive(clean, monday, 3000)]
    assert statistics.mean(d["pm25"] for d in drive(faulty, monday + 7200, 600)) > 100
