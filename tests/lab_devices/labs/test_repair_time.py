"""Break-fix checks scored on the time to repair: a fault condition with ``within_s`` holds
only if the trainee reached its status within that many seconds of the fault's start, and
the result carries the measured repair time. The device's clock is the time it is ticked
at, so each test sets it by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_devices.labs.checks import evaluate_checks
from lab_devices.labs.labfile import LabFileError, parse_lab
from lab_devices.models import MODELS
from tests.lab_devices.conftest import command

HERE = Path("labs/break-fix/lab.yaml")
START = 1_800_000_000.0  # the lab's start, epoch seconds
FAULT_AT = 100.0  # the stuck fault starts 100 s after the lab


def lab_with(fault_condition: dict, **extra) -> object:
    return parse_lab({
        "id": "break-fix", "title": {"vi": "Sửa lỗi", "en": "Break-fix"},
        "summary": {"vi": "Sửa lỗi", "en": "Break-fix"},
        "devices": [{"id": "air-1", "model": "air_quality", "params": {"seed": 3}}],
        "faults": [{"device": "air-1", "kind": "stuck", "channel": "pm25", "at": FAULT_AT}],
        "checks": [{"id": "fix-pm25", "title": {"vi": "Sửa PM2.5", "en": "Fix PM2.5"},
                    "when": {"fault": fault_condition},
                    "failure": {"vi": "Chưa sửa", "en": "Not fixed"}, **extra}],
    }, HERE)


def devices(lab) -> dict:
    spec = lab.devices[0]
    faults = [f.to_fault() for f in lab.faults]
    device = MODELS[spec.model](spec.id, spec.params, trainee="an", lab=lab.id,
                                started_at=START, faults=faults)
    return {spec.id: device}


def act_at(device, seconds: float, action: str, **params) -> None:
    """Move the device's clock to `seconds` after the lab's start, then send `action`."""
    device.tick(START + seconds)
    command(device, action, **params)


RESOLVED_120 = {"device": "air-1", "kind": "stuck", "channel": "pm25", "status": "resolved",
                "within_s": 120}


def test_a_fix_within_the_window_passes_and_shows_its_repair_time():
    lab = lab_with(RESOLVED_120)
    found = devices(lab)
    found["air-1"].tick(START + FAULT_AT)  # the fault starts
    act_at(found["air-1"], 190, "restart")
    [result] = evaluate_checks(lab, found)
    # Injected at 100 s, restarted at 190 s: 190 - 100 = 90 s, within 120 s.
    assert result.passed and result.repair_s == 90.0 and result.within_s == 120
    assert result.as_dict()["repair_s"] == 90.0


def test_a_fix_beyond_the_window_fails_but_still_shows_its_repair_time():
    lab = lab_with(RESOLVED_120)
    found = devices(lab)
    found["air-1"].tick(START + FAULT_AT)
    act_at(found["air-1"], 250, "restart")
    [result] = evaluate_checks(lab, found)
    # 250 - 100 = 150 s, 30 s beyond the 120 s allowed.
    assert not result.passed and result.repair_s == 150.0
    assert result.message == {"vi": "Chưa sửa", "en": "Not fixed"}


def test_a_fix_exactly_at_the_limit_passes():
    lab = lab_with(RESOLVED_120)
    found = devices(lab)
    found["air-1"].tick(START + FAULT_AT)
    act_at(found["air-1"], 220, "restart")  # 220 - 100 = 120 s: at most 120 s
    assert evaluate_checks(lab, found)[0].passed


def test_without_a_window_any_fix_passes_and_the_time_is_still_measured():
    lab = lab_with({**RESOLVED_120, "within_s": None})
    found = devices(lab)
    found["air-1"].tick(START + FAULT_AT)
    act_at(found["air-1"], 1_300, "restart")
    [result] = evaluate_checks(lab, found)
    assert result.passed and result.repair_s == 1_200.0 and result.within_s is None


def test_before_any_fix_there_is_no_repair_time():
    lab = lab_with(RESOLVED_120)
    found = devices(lab)
    found["air-1"].tick(START + 500)
    [result] = evaluate_checks(lab, found)
    assert not result.passed and result.repair_s is None and result.within_s == 120
    assert "repair_s" not in result.as_dict() and result.as_dict()["within_s"] == 120


def test_a_report_within_the_window_counts_for_reported_not_a_late_one():
    reported = {**RESOLVED_120, "status": "reported", "within_s": 60}
    early, late = lab_with(reported), lab_with(reported)
    on_time, too_late = devices(early), devices(late)
    for found, seconds in ((on_time, 130), (too_late, 170)):
        found["air-1"].tick(START + FAULT_AT)
        act_at(found["air-1"], seconds, "report_fault", kind="stuck", channel="pm25")
    # Reported 30 s after the start (130 - 100) passes 60 s; 70 s (170 - 100) does not.
    assert evaluate_checks(early, on_time)[0].passed
    assert not evaluate_checks(late, too_late)[0].passed
    # A report is no repair: no repair time yet.
    assert evaluate_checks(early, on_time)[0].repair_s is None


def test_handled_in_time_by_a_report_even_if_the_fix_was_late():
    lab = lab_with({**RESOLVED_120, "status": "handled", "within_s": 60})
    found = devices(lab)
    found["air-1"].tick(START + FAULT_AT)
    act_at(found["air-1"], 140, "report_fault", kind="stuck", channel="pm25")  # 40 s
    act_at(found["air-1"], 400, "restart")  # 300 s
    [result] = evaluate_checks(lab, found)
    assert result.passed and result.repair_s == 300.0 and result.within_s == 60


def test_of_two_conditions_the_repair_time_is_the_slower_and_the_window_the_tighter():
    lab = parse_lab({
        "id": "break-fix", "title": {"vi": "a", "en": "a"}, "summary": {"vi": "a", "en": "a"},
        "devices": [{"id": "air-1", "model": "air_quality", "params": {"seed": 3}},
                    {"id": "effluent-1", "model": "wastewater", "params": {"seed": 3}}],
        "faults": [{"device": "air-1", "kind": "stuck", "channel": "pm25", "at": 100},
                   {"device": "effluent-1", "kind": "drift", "channel": "ph", "at": 100}],
        "checks": [{"id": "both", "title": {"vi": "a", "en": "a"}, "failure":
                    {"vi": "a", "en": "a"}, "when": {"all": [
                        {"fault": {"device": "air-1", "kind": "stuck", "status": "resolved",
                                   "within_s": 300}},
                        {"fault": {"device": "effluent-1", "kind": "drift",
                                   "status": "resolved", "within_s": 600}}]}}],
    }, HERE)
    found = {}
    for spec in lab.devices:
        faults = [f.to_fault() for f in lab.faults if f.device == spec.id]
        found[spec.id] = MODELS[spec.model](spec.id, spec.params, trainee="an", lab=lab.id,
                                            started_at=START, faults=faults)
        found[spec.id].tick(START + 100)
    act_at(found["air-1"], 160, "restart")  # 60 s
    act_at(found["effluent-1"], 500, "calibrate", channel="ph", reference=7.0)  # 400 s
    [result] = evaluate_checks(lab, found)
    # Both within their windows (60 <= 300, 400 <= 600); the check took max(60, 400) s.
    assert result.passed and result.repair_s == 400.0 and result.within_s == 300


@pytest.mark.parametrize(
    ("condition", "field", "reason"),
    [
        ({**RESOLVED_120, "device": "air-9"}, "checks.0.when.fault.device",
         "no device 'air-9' in this lab"),
        ({**RESOLVED_120, "channel": "colour"}, "checks.0.when.fault.channel",
         "air_quality has no channel 'colour'; channels: "),
        ({**RESOLVED_120, "kind": "low_battery", "channel": None}, "checks.0.when.fault.kind",
         "air_quality has no battery"),
        ({**RESOLVED_120, "within_s": 0}, "checks.0.when.fault.within_s",
         "greater than 0"),
        ({**RESOLVED_120, "within_s": "soon"}, "checks.0.when.fault.within_s",
         "valid number"),
    ],
)
def test_a_bad_fault_condition_names_the_file_and_field(condition, field, reason):
    with pytest.raises(LabFileError) as caught:
        lab_with(condition)
    assert str(HERE) in str(caught.value)
    [(where, why)] = caught.value.problems
    assert where == field and reason in why
