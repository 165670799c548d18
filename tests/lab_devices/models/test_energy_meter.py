"""The three-phase energy meter: power physics, registers, tariff, CT sizing and alarms."""

from __future__ import annotations

import json
import math
import statistics

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.models import data
from lab_devices.models.energy_meter import (
    ThreePhaseEnergyMeter,
    line_to_line,
    rated_load_current,
    size_ct,
    three_phase_power,
)


def meter(monday: float, **params) -> ThreePhaseEnergyMeter:
    return ThreePhaseEnergyMeter("m1", {"seed": 9, **params}, started_at=monday)


def test_unbalanced_three_phase_power_worked_by_hand():
    # Phase 1: 230 V, 100 A, cos φ 0.90: S = 23.0 kVA, P = 20.70 kW,
    #          Q = 23.0 x sin(acos 0.90) = 23.0 x 0.435890 = 10.0255 kvar
    # Phase 2: 225 V,  80 A, cos φ 0.80: S = 18.0 kVA, P = 14.40 kW, Q = 18.0 x 0.6 = 10.80
    # Phase 3: 220 V, 120 A, cos φ 0.95: S = 26.4 kVA, P = 25.08 kW,
    #          Q = 26.4 x 0.312250 = 8.2434 kvar
    # P = 20.70 + 14.40 + 25.08 = 60.18 kW; Q = 10.0255 + 10.80 + 8.2434 = 29.0689 kvar
    # S = sqrt(60.18² + 29.0689²) = sqrt(3621.632 + 845.001) = 66.8329 kVA; PF = 0.90046
    power = three_phase_power([(230, 100, 0.90), (225, 80, 0.80), (220, 120, 0.95)])
    assert [power[f"p{n}"] for n in (1, 2, 3)] == pytest.approx([20.70, 14.40, 25.08])
    assert [power[f"q{n}"] for n in (1, 2, 3)] == pytest.approx([10.0255, 10.80, 8.2434],
                                                                 abs=1e-4)
    assert [power[f"s{n}"] for n in (1, 2, 3)] == pytest.approx([23.0, 18.0, 26.4])
    assert power["kw"] == pytest.approx(60.18)
    assert power["kvar"] == pytest.approx(29.0689, abs=1e-4)
    assert power["kva"] == pytest.approx(66.8329, abs=1e-4)
    assert power["pf"] == pytest.approx(0.90046, abs=1e-5)


def test_a_balanced_load_matches_root_three_vll_i_cos_phi():
    # 220 V per phase, 100 A, cos φ 0.9: 3 x 220 x 100 x 0.9 = 59.4 kW;
    # V_LL = 220 x √3 = 381.05 V, and √3 x 381.05 x 100 x 0.9 = 59.4 kW.
    v_ll = line_to_line(220.0, 220.0)
    assert v_ll == pytest.approx(381.051, abs=1e-3)
    power = three_phase_power([(220.0, 100.0, 0.9)] * 3)
    assert power["kw"] == pytest.approx(59.4)
    assert power["kw"] == pytest.approx(math.sqrt(3) * v_ll * 100.0 * 0.9 / 1000.0)


@pytest.mark.parametrize(("phases", "error"), [
    ([(220, 10, 0.9)] * 2, "needs 3 phases, not 2"),
    ([(220, 10, 0.9), (220, 10, 1.2), (220, 10, 0.9)], "phase 2 power factor 1.2"),
    ([(220, -1, 0.9)] * 3, "phase 1 has V=220, I=-1"),
])
def test_three_phase_power_refuses_bad_phases(phases, error):
    with pytest.raises(ValueError, match=error):
        three_phase_power(phases)


def test_telemetry_is_consistent_phase_by_phase(monday, drive):
    for d in drive(meter(monday), monday, 24 * 3600, step=600):
        for p in (1, 2, 3):
            s = d[f"v{p}"] * d[f"i{p}"] / 1000
            assert d[f"s{p}"] == pytest.approx(s, rel=2e-3)
            assert d[f"p{p}"] == pytest.approx(s * d[f"pf{p}"], rel=3e-3)
            assert d[f"q{p}"] == pytest.approx(s * math.sqrt(1 - d[f"pf{p}"] ** 2), rel=2e-2)
        assert d["kw"] == pytest.approx(d["p1"] + d["p2"] + d["p3"], abs=2e-3)
        assert d["kvar"] == pytest.approx(d["q1"] + d["q2"] + d["q3"], abs=2e-3)
        assert d["kva"] == pytest.approx(math.hypot(d["kw"], d["kvar"]), abs=2e-3)
        assert d["pf"] == pytest.approx(d["kw"] / d["kva"], abs=1e-3)
        assert d["v12"] == pytest.approx(line_to_line(d["v1"], d["v2"]), abs=0.02)
        assert all(200 <= d[f"v{p}"] <= 235 for p in (1, 2, 3))
        assert 0.8 <= d["pf"] <= 0.99


def test_energy_is_the_trapezoid_integral_of_power(monday, drive):
    documents = drive(meter(monday), monday, 3600 * 6, step=60)
    pairs = zip(documents, documents[1:], strict=False)
    integral = sum((a["kw"] + b["kw"]) / 2 * 60 / 3600 for a, b in pairs)
    assert documents[-1]["kwh"] == pytest.approx(integral, rel=1e-4)


def test_the_day_cost_is_computable_from_the_messages(monday, drive):
    device = meter(monday)
    d = drive(device, monday, 24 * 3600, step=300)[-1]
    prices = json.loads(device.meta_message().payload)["config"]["tariff"]["prices_vnd_kwh"]
    assert prices == {"normal": 1987, "peak": 3640, "off_peak": 1300}
    assert d["kwh_normal"] + d["kwh_peak"] + d["kwh_off_peak"] == pytest.approx(d["kwh"], abs=0.01)
    for period in ("normal", "peak", "off_peak"):
        assert d[f"cost_{period}"] == pytest.approx(d[f"kwh_{period}"] * prices[period], abs=2)
    assert d["cost_vnd"] == pytest.approx(
        d["cost_normal"] + d["cost_peak"] + d["cost_off_peak"], abs=2)
    # Peak energy is the integral over the peak hours of Circular 16/2014 (09:30-11:30 and
    # 17:00-20:00 on a Monday), read from the same telemetry.
    documents = drive(meter(monday), monday, 24 * 3600, step=300)
    pairs = zip(documents, documents[1:], strict=False)
    peak = sum((a["kw"] + b["kw"]) / 2 * 300 / 3600 for a, b in pairs
               if 9.5 <= (a["ts"] - monday) / 3600 < 11.5 or 17 <= (a["ts"] - monday) / 3600 < 20)
    assert documents[-1]["kwh_peak"] == pytest.approx(peak, rel=1e-3)


def test_the_price_now_follows_the_period(monday, drive):
    documents = {round((d["ts"] - monday) / 3600, 2): d
                 for d in drive(meter(monday), monday, 24 * 3600, step=1800)}
    assert documents[2.0]["price_vnd_kwh"] == 1300    # off-peak
    assert documents[10.0]["price_vnd_kwh"] == 3640   # peak
    assert documents[13.0]["price_vnd_kwh"] == 1987   # normal


def test_the_new_system_hours_can_be_chosen(monday, send, drive):
    device = meter(monday, tou_schedule="qd_963_2026", voltage_level="22_110kv")
    drive(device, monday + 10 * 3600, 0)
    reply = send(device, "read_registers")
    assert reply["tou_schedule"] == "qd_963_2026" and reply["tou_period"] == "normal"
    assert reply["prices_vnd_kwh"] == {"normal": 1833, "peak": 3398, "off_peak": 1190}


def test_cts_are_sized_from_the_standard_ratios():
    # Rated load current at 220 V and the full-load PF 0.97 - 0.17 e^-3 = 0.96154:
    #   250 kW: 250,000 / (3 x 220 x 0.96154) = 393.9 A; / 0.75 = 525.3 A -> 600/5
    #   320 kW: 320,000 / (3 x 220 x 0.96154) = 504.2 A; / 0.75 = 672.3 A -> 750/5
    #   20 kW:   31.5 A; / 0.75 = 42.0 A -> 50/5
    table = data.load("energy_instruments")
    assert rated_load_current(250) == pytest.approx(393.9, abs=0.1)
    assert (size_ct(250, table), size_ct(320, table), size_ct(20, table)) == (600, 750, 50)


def test_peak_load_sits_well_inside_the_fitted_ct_rating(monday):
    device = meter(monday, rated_kw=320)
    assert device.installed_ct_ratio == 750
    peak = 0.0
    now = monday
    while now <= monday + 24 * 3600:
        device.tick(now)
        peak = max(peak, device.max_true_current)
        now += 60
    # The day-shift peak (about 0.95 of rated load, i.e. ~480-520 A) is 60-75 % of 750 A.
    assert 0.6 < peak / 750 < 0.8


def test_ct_ratio_and_accuracy_classes_are_in_meta_and_telemetry(monday, drive):
    device = meter(monday, meter_class="0.2S")
    config = json.loads(device.meta_message().payload)["config"]
    assert config["ct"] == {"installed": "600/5", "rated_primary_a": 600, "rated_secondary_a": 5,
                            "extended_rating_pct": 120, "standard": "IEC 61869-2"}
    assert config["meter_class"]["active"] == "0.2S"
    assert config["meter_class"]["active_standard"] == "IEC 62053-22:2020"
    assert config["meter_class"]["reactive_standard"] == "IEC 62053-24:2015"
    assert drive(device, monday, 0)[0]["ct_ratio"] == 600


@pytest.mark.parametrize(("params", "field", "reason"), [
    ({"installed_ct_ratio": 450}, "installed_ct_ratio", "not a standard rated primary"),
    ({"rated_kw": 320, "installed_ct_ratio": 400}, "installed_ct_ratio",
     "cannot carry the rated load of 320 kW (504 A per phase); fit 750/5"),
    ({"ct_ratio": 333}, "ct_ratio", "multiple of 5"),
    ({"meter_class": "3"}, "meter_class", "'3' is not one of 0.5, 1, 2, 0.1S"),
    ({"reactive_class": "0.2S"}, "reactive_class", "not one of"),
    ({"tou_schedule": "tt_99"}, "tou_schedule", "no schedule 'tt_99'"),
    ({"voltage_level": "35kv"}, "voltage_level", "Input should be"),
])
def test_bad_settings_are_refused_by_field(monday, params, field, reason):
    with pytest.raises(InvalidSettings) as caught:
        meter(monday, **params)
    fields = dict(caught.value.errors)
    assert field in fields and reason in fields[field]


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


def test_current_above_the_ct_rating_is_an_alarm(monday, drive):
    # 250 kW on 400/5 CTs rated to 100 %: 393.9 A at rated load is accepted, but the day
    # shift with the phase imbalance and sag pushes a phase above 400 A at times.
    documents = drive(meter(monday, installed_ct_ratio=400, ct_extended_pct=100),
                      monday, 24 * 3600, step=300)
    hours = {int((d["ts"] - monday) / 3600) for d in documents
             if any(a["id"] == "ct_over_rating" for a in d.get("alarms", []))}
    assert hours and all(7 <= h < 18 for h in hours)


def test_a_wrong_ct_ratio_scales_current_until_set_right(monday, drive, send):
    wrong = meter(monday, ct_ratio=450, installed_ct_ratio=600)
    right = meter(monday)
    a, b = drive(wrong, monday, 0)[0], drive(right, monday, 0)[0]
    assert a["i1"] == pytest.approx(b["i1"] * 0.75, rel=0.001)
    assert a["kw"] == pytest.approx(b["kw"] * 0.75, rel=0.001)
    assert wrong.state()["ct_ratio_correct"] is False
    assert send(wrong, "set_ct_ratio", ratio=600)["ct_ratio"] == 600
    assert wrong.state()["ct_ratio_correct"] is True
    assert wrong.evidence[-2].detail == {"setpoint": "ct_ratio", "from": 450, "to": 600}


def test_set_ct_ratio_refuses_a_ratio_that_is_not_a_multiple_of_5(monday, send):
    reply = send(meter(monday), "set_ct_ratio", ratio=333)
    assert reply["ok"] is False and "multiple of 5" in reply["error"]


def test_read_registers_gives_the_registers_costs_and_period(monday, drive, send):
    device = meter(monday)
    drive(device, monday, 3600, step=60)
    reply = send(device, "read_registers")
    assert reply["tou_period"] == "off_peak"  # 01:00
    registers = reply["registers"]
    assert registers["kwh"] > 0 and registers["kwh_off_peak"] == registers["kwh"]
    assert registers["cost_vnd"] == pytest.approx(registers["kwh"] * 1300, abs=1)


def test_sunday_has_no_peak_energy(monday, drive):
    sunday = monday + 6 * 86400
    last = drive(meter(sunday), sunday, 24 * 3600, step=300)[-1]
    assert last["kwh_peak"] == 0 and last["kwh_normal"] > 0 and last["kwh_off_peak"] > 0
