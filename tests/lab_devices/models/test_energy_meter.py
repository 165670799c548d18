"""The three-phase energy meter: power physics, registers, time-of-use and the CT ratio."""

from __future__ import annotations

import math
import statistics

import pytest

from lab_devices.models import data
from lab_devices.models.energy_meter import ThreePhaseEnergyMeter, tou_period


def meter(monday: float, **params) -> ThreePhaseEnergyMeter:
    return ThreePhaseEnergyMeter("m1", {"seed": 9, **params}, started_at=monday)


def test_power_is_consistent_with_volts_amps_and_power_factor(monday, drive):
    for d in drive(meter(monday), monday, 24 * 3600, step=600):
        apparent_kva = sum(d[f"v{p}"] * d[f"i{p}"] for p in (1, 2, 3)) / 1000
        assert d["kw"] == pytest.approx(apparent_kva * d["pf"], rel=0.01)
        assert d["kvar"] == pytest.approx(d["kw"] * math.tan(math.acos(d["pf"])), rel=0.01)
        assert all(200 <= d[f"v{p}"] <= 235 for p in (1, 2, 3))
        assert 0.8 <= d["pf"] <= 0.97


def test_energy_is_the_integral_of_power(monday, drive):
    documents = drive(meter(monday), monday, 3600 * 6, step=60)
    integral = sum(d["kw"] for d in documents[1:]) / 60
    assert documents[-1]["kwh"] == pytest.approx(integral, rel=0.001)


def test_tou_registers_add_up_to_the_total(monday, drive):
    d = drive(meter(monday), monday, 24 * 3600, step=300)[-1]
    assert d["kwh_normal"] + d["kwh_peak"] + d["kwh_off_peak"] == pytest.approx(d["kwh"], abs=0.01)
    assert d["kwh_peak"] > 0 and d["kwh_off_peak"] > 0


def test_tou_periods_follow_the_data_file(monday):
    table = data.load("tou_periods")
    assert "16/2014/TT-BCT" in table["source"]
    assert tou_period(monday + 10 * 3600, table) == "peak"
    assert tou_period(monday + 23 * 3600, table) == "off_peak"
    assert tou_period(monday + 13 * 3600, table) == "normal"
    sunday = monday + 6 * 86400
    assert tou_period(sunday + 10 * 3600, table) == "normal"


def test_the_day_shift_draws_more_than_the_night(monday, drive):
    documents = drive(meter(monday), monday, 24 * 3600, step=300)
    night = [d["kw"] for d in documents if (d["ts"] - monday) / 3600 < 4]
    shift = [d["kw"] for d in documents if 8 <= (d["ts"] - monday) / 3600 < 11]
    assert statistics.mean(shift) > 3 * statistics.mean(night)


def test_light_load_raises_the_power_factor_alarm(monday, drive):
    documents = drive(meter(monday), monday, 4 * 3600, step=300)  # night base load
    assert any(a["id"] == "pf_low" for a in documents[-1]["alarms"])


def test_a_phase_loss_is_an_alarm(monday):
    raised = meter(monday).alarms({"v1": 150.0, "v2": 220.0, "v3": 221.0, "pf": 0.95})
    assert list(raised) == ["phase1_loss"]


def test_a_wrong_ct_ratio_scales_current_until_set_right(monday, drive, send):
    wrong = meter(monday, ct_ratio=300, installed_ct_ratio=400)
    right = meter(monday)
    a, b = drive(wrong, monday, 0)[0], drive(right, monday, 0)[0]
    assert a["i1"] == pytest.approx(b["i1"] * 0.75, rel=0.001)
    assert wrong.state()["ct_ratio_correct"] is False
    assert send(wrong, "set_ct_ratio", ratio=400)["ct_ratio"] == 400
    assert wrong.state()["ct_ratio_correct"] is True
    assert wrong.evidence[-2].detail == {"setpoint": "ct_ratio", "from": 300, "to": 400}


def test_set_ct_ratio_refuses_a_ratio_that_is_not_a_multiple_of_5(monday, send):
    reply = send(meter(monday), "set_ct_ratio", ratio=333)
    assert reply["ok"] is False and "multiple of 5" in reply["error"]


def test_read_registers_gives_the_registers_and_period(monday, drive, send):
    device = meter(monday)
    drive(device, monday, 3600, step=60)
    reply = send(device, "read_registers")
    assert reply["tou_period"] == "off_peak"  # 01:00
    assert reply["registers"]["kwh"] > 0
