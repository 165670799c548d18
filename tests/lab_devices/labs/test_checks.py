"""Evaluating checks over devices' evidence and state."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_devices.device.faults import Fault
from lab_devices.labs.checks import evaluate_checks
from lab_devices.labs.labfile import load_lab, parse_lab
from lab_devices.models import MODELS

LABS = Path(__file__).resolve().parents[3] / "labs"


def devices_of(lab, started_at: float) -> dict:
    out = {}
    for spec in lab.devices:
        faults = [f.to_fault() for f in lab.faults if f.device == spec.id]
        out[spec.id] = MODELS[spec.model](spec.id, spec.params, trainee="an", lab=lab.id,
                                          started_at=started_at, faults=faults)
    return out


@pytest.fixture
def iot101(monday, drive):
    lab = load_lab(LABS / "iot101-sensors" / "lab.yaml")
    devices = devices_of(lab, monday + 9 * 3600)
    for device in devices.values():
        drive(device, monday + 9 * 3600, 600, step=5)
    return lab, devices


def result(results, check_id):
    return next(r for r in results if r.id == check_id)


def test_nothing_passes_before_the_trainee_acts(iot101):
    lab, devices = iot101
    results = evaluate_checks(lab, devices)
    assert [r.id for r in results] == [c.id for c in lab.checks]
    assert not any(r.passed for r in results)
    assert all(r.message["vi"] and r.message["en"] for r in results)


def test_an_evidence_check_passes_once_the_device_saw_the_command(iot101, send):
    lab, devices = iot101
    send(devices["air-1"], "ping")
    ping = result(evaluate_checks(lab, devices), "ping-station")
    assert ping.passed and ping.message is None
    assert ping.title["en"].startswith("Send a ping")


def test_a_state_check_reads_the_device_state(iot101, send):
    lab, devices = iot101
    send(devices["air-1"], "set_interval", seconds=5)
    assert not result(evaluate_checks(lab, devices), "slow-down-air").passed
    send(devices["air-1"], "set_interval", seconds=10)
    assert result(evaluate_checks(lab, devices), "slow-down-air").passed


def test_a_fault_check_needs_the_report_and_the_fix(iot101, send, drive, monday):
    lab, devices = iot101
    drive(devices["air-1"], monday + 9 * 3600 + 600, 600, step=5)  # stuck from 300 s on
    send(devices["air-1"], "restart")
    assert not result(evaluate_checks(lab, devices), "stuck-pm25").passed
    devices["air-1"].faults.inject(Fault("stuck", channel="pm25"), monday + 9 * 3600 + 1300)
    drive(devices["air-1"], monday + 9 * 3600 + 1300, 10, step=5)
    send(devices["air-1"], "report_fault", kind="stuck", channel="pm25")
    send(devices["air-1"], "restart")
    assert result(evaluate_checks(lab, devices), "stuck-pm25").passed


def test_the_calibration_check_needs_the_right_reference(iot101, send):
    lab, devices = iot101
    send(devices["effluent-1"], "calibrate", channel="ph", reference=4.0)
    assert not result(evaluate_checks(lab, devices), "calibrate-ph").passed


def test_all_checks_of_iot101_can_pass(iot101, send, drive, monday):
    lab, devices = iot101
    air, effluent = devices["air-1"], devices["effluent-1"]
    send(air, "ping")
    send(air, "set_interval", seconds=10)
    send(air, "report_fault", kind="stuck", channel="pm25")
    send(air, "restart")
    send(effluent, "calibrate", channel="ph", reference=7.0)
    drive(effluent, monday + 11 * 3600, 3600, step=30)
    alarm = next(iter(effluent.alarm_state))
    send(effluent, "ack_alarm", alarm=alarm)
    send(effluent, "sample")
    assert all(r.passed for r in evaluate_checks(lab, devices))


def test_an_any_condition_passes_on_one_member(monday):
    lab = load_lab(LABS / "energy-basics" / "lab.yaml")
    devices = devices_of(lab, monday)
    assert not result(evaluate_checks(lab, devices), "planned-stop").passed
    devices["line-1"].handle(b'{"id": 1, "action": "stop", "reason": "changeover"}')
    assert result(evaluate_checks(lab, devices), "planned-stop").passed


def test_a_not_condition_and_numeric_bounds(monday, send):
    both = {"vi": "x", "en": "x"}
    lab = parse_lab({
        "id": "bounds", "title": both, "summary": both,
        "devices": [{"id": "m", "model": "energy_meter"}],
        "checks": [
            {"id": "never-rejected", "title": both, "failure": both,
             "when": {"not": {"evidence": {"device": "m", "action": "command_rejected"}}}},
            {"id": "slow", "title": both, "failure": both,
             "when": {"state": {"device": "m", "path": "interval", "at_least": 5,
                                "at_most": 60}}},
            {"id": "missing-path", "title": both, "failure": both,
             "when": {"state": {"device": "m", "path": "registers.nope", "equals": 1}}},
        ],
    }, Path("bounds/lab.yaml"))
    devices = devices_of(lab, monday)
    assert [r.passed for r in evaluate_checks(lab, devices)] == [True, False, False]
    send(devices["m"], "set_interval", seconds=30)
    devices["m"].handle(b"garbage")
    assert [r.passed for r in evaluate_checks(lab, devices)] == [False, True, False]
