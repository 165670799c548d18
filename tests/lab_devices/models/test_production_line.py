"""The production line: counts, jams, downtime reasons and OEE."""

from __future__ import annotations

import json

import pytest

from lab_devices.models.production_line import ProductionLine


def line(monday: float, **params) -> ProductionLine:
    return ProductionLine("line-1", {"seed": 21, **params}, started_at=monday)


def test_a_running_line_makes_one_part_per_cycle(monday, drive):
    device = line(monday, ideal_cycle_s=10, mtbf_minutes=1e9, shortage_per_hour=0,
                  reject_rate=0)
    last = drive(device, monday, 3600, step=1)[-1]
    assert last["good"] == pytest.approx(360, rel=0.05)
    assert last["reject"] == 0
    assert last["availability"] == 1.0 and last["quality"] == 1.0


def test_rejects_follow_the_reject_rate(monday, drive):
    last = drive(line(monday, reject_rate=0.1, mtbf_minutes=1e9, shortage_per_hour=0,
                      ideal_cycle_s=2), monday, 4 * 3600, step=5)[-1]
    assert last["reject"] / (last["good"] + last["reject"]) == pytest.approx(0.1, abs=0.02)


def test_oee_is_availability_times_performance_times_quality(monday, drive):
    last = drive(line(monday, mtbf_minutes=10), monday, 4 * 3600, step=5)[-1]
    assert 0 <= last["oee"] <= 1
    assert last["oee"] == pytest.approx(
        last["availability"] * last["performance"] * last["quality"], abs=1e-3)


def test_a_jam_stops_the_line_until_cleared(monday, drive, send):
    device = line(monday, mtbf_minutes=1)
    documents = drive(device, monday, 3600, step=5)
    assert documents[-1]["state"] == "faulted" and documents[-1]["downtime_reason"] == "jam"
    assert any(a["id"] == "line_faulted" for a in documents[-1]["alarms"])
    counts = documents[-1]["good"]
    assert drive(device, monday + 3700, 600, step=5)[-1]["good"] == counts
    reply = send(device, "clear_fault")
    assert reply == {"id": 1, "ok": True, "state": "running", "cleared": "jam"}
    assert device.evidence[-2].detail == {"alarm": "line_faulted", "reason": "jam"}


def test_start_is_refused_while_faulted(monday, drive, send):
    device = line(monday, mtbf_minutes=1)
    drive(device, monday, 3600, step=5)
    assert "clear_fault first" in send(device, "start")["error"]


def test_stop_records_the_reason_and_planned_stops_leave_availability(monday, drive, send):
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0)
    drive(device, monday, 600, step=5)
    assert send(device, "stop", reason="planned_maintenance")["reason"] == "planned_maintenance"
    last = drive(device, monday + 605, 600, step=5)[-1]
    assert last["state"] == "stopped" and last["availability"] == 1.0
    assert device.downtime["planned_maintenance"] > 500
    assert send(device, "start")["state"] == "running"


def test_an_unplanned_stop_lowers_availability(monday, drive, send):
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0)
    drive(device, monday, 600, step=5)
    send(device, "stop", reason="operator_stop")
    last = drive(device, monday + 605, 600, step=5)[-1]
    assert last["availability"] == pytest.approx(0.5, abs=0.02)


def test_stop_refuses_an_unknown_reason(monday, send):
    reply = send(line(monday), "stop", reason="lunch")
    assert reply["ok"] is False and "reason" in reply["error"]


def test_set_cycle_time_refuses_faster_than_nameplate(monday, send):
    device = line(monday, ideal_cycle_s=12)
    assert "below the nameplate" in send(device, "set_cycle_time", seconds=10)["error"]
    assert send(device, "set_cycle_time", seconds=15)["cycle_time"] == 15


def test_a_slower_cycle_lowers_performance(monday, drive, send):
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0)
    send(device, "set_cycle_time", seconds=24)
    assert drive(device, monday, 3600, step=5)[-1]["performance"] == pytest.approx(0.5, abs=0.05)


def test_material_shortage_idles_the_line_and_clears_by_itself(monday, drive):
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=30)
    documents = drive(device, monday, 4 * 3600, step=5)
    states = {d["state"] for d in documents}
    assert {"running", "idle"} <= states
    assert "material_shortage" in device.downtime


def test_oee_command_reports_downtime_by_reason(monday, drive, send):
    device = line(monday, mtbf_minutes=1)
    drive(device, monday, 3600, step=5)
    reply = send(device, "oee")
    assert reply["downtime_s"]["jam"] > 0 and 0 <= reply["oee"] <= 1


def test_the_fast_telemetry_encoding_matches_the_general_one(monday, drive):
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0)
    drive(device, monday, 600, step=5)
    values = device.values
    fast = json.loads(device.telemetry_payload(monday + 605, values))
    general = json.loads(device._general_payload(monday + 605, values))
    assert fast.keys() == general.keys()
    for key, value in general.items():
        assert fast[key] == (pytest.approx(value, abs=1e-3) if isinstance(value, float)
                             else value), key


def test_state_reports_the_line_for_checks(monday, drive, send):
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0)
    drive(device, monday, 60, step=5)
    send(device, "stop", reason="break")
    state = device.state()
    assert state["state"] == "stopped" and state["reason"] == "break"
    assert state["good"] == device.good and "oee" in state
