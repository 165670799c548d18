"""The production line: counts, jams, downtime reasons, speed and quality losses, and OEE."""

from __future__ import annotations

import json

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.models.production_line import ProductionLine


def line(monday: float, **params) -> ProductionLine:
    return ProductionLine("line-1", {"seed": 21, **params}, started_at=monday)


# A line with no speed, minor-stop or wear losses, for the tests of one mechanism at a time.
NO_SPEED_LOSS = {"speed_loss": 0, "minor_stops_per_hour": 0}
NO_QUALITY_DRIFT = {"wear_per_hour": 0, "startup_reject_rate": 0}


def run_shift(device: ProductionLine, start: float, hours: float, step: float = 5) -> dict:
    """Run a shift, clearing each jam as an operator would; the last telemetry document."""
    last: dict = {}
    now = start
    while now <= start + hours * 3600:
        for message in device.tick(now):
            if message.topic == "telemetry":
                last = json.loads(message.payload)
        if device.line_state == "faulted":
            device.handle(b'{"id": 1, "action": "clear_fault"}')
        now += step
    return last


def test_a_running_line_makes_one_part_per_cycle(monday, drive):
    device = line(monday, ideal_cycle_s=10, mtbf_minutes=1e9, shortage_per_hour=0,
                  reject_rate=0, **NO_SPEED_LOSS, **NO_QUALITY_DRIFT)
    last = drive(device, monday, 3600, step=1)[-1]
    assert last["good"] == pytest.approx(360, rel=0.05)
    assert last["reject"] == 0
    assert last["availability"] == 1.0 and last["quality"] == 1.0


def test_rejects_follow_the_reject_rate(monday, drive):
    last = drive(line(monday, reject_rate=0.1, mtbf_minutes=1e9, shortage_per_hour=0,
                      ideal_cycle_s=2, **NO_QUALITY_DRIFT), monday, 4 * 3600, step=5)[-1]
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
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0, **NO_SPEED_LOSS)
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


def test_a_shift_shows_speed_losses_in_performance(monday):
    # Default losses: cycles 5 % slow on average and ~8 minor stops of ~40 s an hour
    # (~320 s/h, 8.9 %): performance about 1 / 1.05 x (1 - 0.089) = 0.87.
    last = run_shift(line(monday), monday, 8)
    assert 0.75 < last["performance"] < 0.93
    assert last["minor_stops"] > 30


def test_oee_is_computable_by_hand_from_the_published_counters(monday):
    last = run_shift(line(monday, mtbf_minutes=30, shortage_per_hour=1), monday, 8)
    availability = last["run_time_s"] / last["planned_busy_s"]
    performance = last["ideal_cycle_s"] * last["total"] / last["run_time_s"]
    quality = last["good"] / last["total"]
    assert last["total"] == last["good"] + last["reject"]
    assert last["availability"] == pytest.approx(availability, abs=1e-4)
    assert last["performance"] == pytest.approx(performance, abs=1e-4)
    assert last["quality"] == pytest.approx(quality, abs=1e-4)
    assert last["oee"] == pytest.approx(availability * performance * quality, abs=1e-4)
    assert availability < 1 and performance < 0.95 and quality < 0.99


def test_slow_cycles_alone_cost_their_share_of_performance(monday, drive):
    # Cycles 25 % slower than the 12 s nameplate: performance 1 / 1.25 = 0.80.
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0, speed_loss=0.25,
                  minor_stops_per_hour=0)
    last = drive(device, monday, 4 * 3600, step=5)[-1]
    assert last["performance"] == pytest.approx(0.80, abs=0.02)
    assert last["cycle_time"] > 12


def test_minor_stops_lower_performance_but_not_availability(monday, drive):
    # 30 stops an hour of ~40 s: ~1,200 s of every 3,600 s make nothing, so performance
    # is about 1 - 1200/3600 = 0.67; the stops are not booked, so availability stays 1.
    device = line(monday, mtbf_minutes=1e9, shortage_per_hour=0, speed_loss=0,
                  minor_stops_per_hour=30)
    documents = drive(device, monday, 4 * 3600, step=5)
    assert {d["state"] for d in documents} == {"running"}
    assert documents[-1]["availability"] == 1.0
    assert 0.55 < documents[-1]["performance"] < 0.8


def test_rejects_rise_as_the_tooling_wears_and_fall_after_a_changeover(monday, drive, send):
    # Base 5 % rising by half of itself an hour: ~6 % in hour 1, ~24 % in hour 8.
    device = line(monday, ideal_cycle_s=2, reject_rate=0.05, wear_per_hour=0.5,
                  startup_reject_rate=0, mtbf_minutes=1e9, shortage_per_hour=0)

    def reject_share(documents):
        first, last = documents[0], documents[-1]
        return (last["reject"] - first["reject"]) / (last["total"] - first["total"])

    early = reject_share(drive(device, monday, 3600, step=5))
    drive(device, monday + 3605, 6 * 3600, step=5)
    late = reject_share(drive(device, monday + 7 * 3600, 3600, step=5))
    assert early < 0.09 and late > 0.18
    send(device, "stop", reason="changeover")
    send(device, "start")
    fresh = reject_share(drive(device, monday + 8 * 3600 + 5, 3600, step=5))
    assert fresh < 0.09


def test_the_first_parts_after_each_start_are_at_risk(monday, drive, send):
    device = line(monday, ideal_cycle_s=10, reject_rate=0, wear_per_hour=0, startup_parts=6,
                  startup_reject_rate=1.0, mtbf_minutes=1e9, shortage_per_hour=0,
                  **NO_SPEED_LOSS)
    assert drive(device, monday, 600, step=5)[-1]["reject"] == 6
    send(device, "stop", reason="operator_stop")
    send(device, "start")
    last = drive(device, monday + 605, 600, step=5)[-1]
    assert last["reject"] == 12 and last["good"] > 30


def test_the_oee_command_gives_the_counters(monday, drive, send):
    device = line(monday)
    drive(device, monday, 1800, step=5)
    counters = send(device, "oee")["counters"]
    assert counters["ideal_cycle_s"] == 12.0
    assert counters["total"] == device.good + device.reject
    assert counters["run_time_s"] <= counters["planned_busy_s"]


@pytest.mark.parametrize(("params", "field"), [
    ({"speed_loss": -0.1}, "speed_loss"),
    ({"minor_stop_s": 0}, "minor_stop_s"),
    ({"startup_reject_rate": 1.5}, "startup_reject_rate"),
])
def test_bad_loss_settings_are_refused_by_field(monday, params, field):
    with pytest.raises(InvalidSettings) as caught:
        line(monday, **params)
    assert field in dict(caught.value.errors)
