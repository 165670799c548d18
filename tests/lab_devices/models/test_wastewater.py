"""The wastewater station: effluent physics, QCVN 40:2011 Cmax = C × Kq × Kf, its alarms."""

from __future__ import annotations

import statistics

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.device.faults import Fault
from lab_devices.device.physics import local_hour
from lab_devices.models import data
from lab_devices.models.wastewater import WastewaterStation

WEEK = 7 * 24 * 3600


def day(monday: float, drive, **params) -> list[dict]:
    device = WastewaterStation("ww", {"seed": 4, **params}, started_at=monday)
    return drive(device, monday, 24 * 3600, step=300)


def alarm_ids(document: dict) -> set[str]:
    return {alarm["id"] for alarm in document.get("alarms", [])}


def test_limits_come_from_the_data_file_with_their_source():
    table = data.load("wastewater_limits")
    assert "QCVN 40:2011/BTNMT" in table["source"] and "Cmax = C × Kq × Kf" in table["source"]
    assert "QCVN 40:2025/BTNMT" in table["in_force_note"]
    assert "2031-12-31" in table["in_force_note"]
    assert table["columns"]["A"]["cod"]["max"] == 75
    assert table["columns"]["B"]["cod"]["max"] == 150
    device = WastewaterStation("ww", {"column": "A"})
    assert device.meta()["regulation"] == "QCVN 40:2011/BTNMT"


def test_cmax_of_column_a_into_a_river_without_flow_data():
    device = WastewaterStation("ww", {"column": "A", "capacity_m3_day": 3000})
    # Kq = 0.9 (river, no flow data); Kf = 1.0 (500 < F = 3000 ≤ 5000 m³/24 h)
    assert (device.permit["kq"], device.permit["kf"]) == (0.9, 1.0)
    # COD 75 × 0.9 × 1.0 = 67.5; TSS 50 × 0.9 = 45; NH4+ 5 × 0.9 = 4.5 mg/L
    assert device.limits["cod"]["max"] == pytest.approx(67.5)
    assert device.limits["tss"]["max"] == pytest.approx(45.0)
    assert device.limits["nh4"]["max"] == pytest.approx(4.5)
    # pH and temperature take C alone (2.2): 6 to 9, 40 °C
    assert (device.limits["ph"]["min"], device.limits["ph"]["max"]) == (6.0, 9.0)
    assert device.limits["temperature"]["max"] == 40


def test_cmax_for_a_big_river_a_lake_and_a_large_discharge():
    river = WastewaterStation("ww", {"column": "B", "receiving_size": 300,
                                     "capacity_m3_day": 6000})
    # Kq 1.1 (200 < Q = 300 ≤ 500 m³/s), Kf 0.9 (F = 6000 > 5000): 150 × 1.1 × 0.9 = 148.5
    assert river.limits["cod"]["max"] == pytest.approx(148.5)
    lake = WastewaterStation("ww", {"column": "A", "receiving": "lake",
                                    "receiving_size": 50e6, "capacity_m3_day": 40})
    # Kq 0.8 (10⁷ < V = 5 × 10⁷ ≤ 10⁸ m³), Kf 1.2 (F = 40 ≤ 50): 75 × 0.8 × 1.2 = 72
    assert lake.limits["cod"]["max"] == pytest.approx(72.0)


def test_readings_stay_within_the_documented_ranges(monday, drive):
    for document in day(monday, drive):
        assert 6.0 <= document["ph"] <= 8.5
        assert 5 <= document["cod"] <= 120
        assert 2 <= document["tss"] <= 80
        assert 0.2 <= document["nh4"] <= 15
        assert 30 <= document["flow"] <= 200
        assert 26 <= document["temperature"] <= 34


def test_flow_follows_the_factory_shifts(monday, drive):
    documents = day(monday, drive)
    day_shift = [d["flow"] for d in documents if 9 <= (d["ts"] - monday) / 3600 < 20]
    night = [d["flow"] for d in documents if (d["ts"] - monday) / 3600 < 5]
    assert statistics.mean(day_shift) > 2 * statistics.mean(night)


def test_cod_rises_with_flow_as_retention_time_shortens(monday, drive):
    documents = day(monday, drive)
    high = sorted(documents, key=lambda d: d["flow"])[-20:]
    low = sorted(documents, key=lambda d: d["flow"])[:20]
    assert statistics.mean(d["cod"] for d in high) > statistics.mean(d["cod"] for d in low)


@pytest.mark.parametrize("column", ["A", "B"])
def test_a_week_of_normal_operation_is_compliant_with_a_margin(monday, drive, column):
    device = WastewaterStation("ww", {"seed": 4, "column": column, "capacity_m3_day": 3000},
                               started_at=monday)
    documents = drive(device, monday, WEEK, step=300)
    assert not any(d.get("alarms") for d in documents)
    for channel in ("cod", "tss", "nh4"):
        worst = max(d[f"{channel}_1h"] for d in documents)
        # the plant runs below its permit: the worst hour of the week under 85 % of Cmax
        assert worst < 0.85 * device.limits[channel]["max"], channel
        # and it does use the permit: the worst hour above a third of Cmax
        assert worst > 0.33 * device.limits[channel]["max"], channel


def test_an_overloaded_plant_exceeds_column_a_in_the_day_shifts_of_a_week(monday, drive):
    device = WastewaterStation("ww", {"seed": 4, "column": "A", "capacity_m3_day": 3000,
                                      "load": 1.4}, started_at=monday)
    documents = drive(device, monday, WEEK, step=300)
    alarmed = [d for d in documents if "cod_high" in alarm_ids(d)]
    assert alarmed and all(d["cod_1h"] >= 67.5 for d in alarmed)  # published to 0.1 mg/L
    # the 1 h mean lags the shift change at 22:00 by up to an hour
    assert all(7 <= local_hour(d["ts"]) < 23 for d in alarmed)
    days = {int((d["ts"] - monday) // 86400) for d in alarmed}
    assert days == set(range(7))


def test_one_high_reading_does_not_alarm_but_its_hour_does(monday):
    device = WastewaterStation("ww", {"column": "A"}, started_at=monday)
    assert device.alarms({"cod": 90.0, "cod_1h": 60.0}) == {}
    raised = device.alarms({"cod": 60.0, "cod_1h": 70.0})
    assert raised["cod_high"].startswith("cod 1 h mean 70.00 mg/L above 67.5")


def test_a_drifting_cod_probe_raises_the_alarm_a_compliant_plant_does_not(monday, drive):
    fault = Fault("drift", channel="cod", at=3600, rate=20.0)
    device = WastewaterStation("ww", {"seed": 4, "column": "A"}, started_at=monday,
                               faults=[fault])
    documents = drive(device, monday, 12 * 3600, step=300)
    assert not any(alarm_ids(d) for d in documents if d["ts"] - monday < 3600)
    first = next(d for d in documents if "cod_high" in alarm_ids(d))
    # at night the true COD is 0.45 × 67.5 × exp(1.2 × (1 − 1/0.55)) = 30.4 × 0.374
    # ≈ 11.4 mg/L; the probe adds 20 mg/L per hour of drift t, so its 1 h mean is about
    # 11.4 + 20 (t − 0.5): it passes 67.5 at t ≈ 3.3 h, 04:18 (noise ± 8 %: ± 0.2 h)
    assert 4.0 * 3600 <= first["ts"] - monday <= 4.6 * 3600


def test_ph_below_the_minimum_raises_a_low_alarm(monday):
    device = WastewaterStation("ww", {"column": "A"}, started_at=monday)
    assert device.alarms({"ph": 5.8})["ph_low"].startswith("ph 5.80 below 6.0")


def test_a_station_started_empty_has_no_1_h_mean_for_45_minutes(monday, drive):
    device = WastewaterStation("ww", {"seed": 4, "history": False}, started_at=monday)
    documents = drive(device, monday, 3600, step=60)
    first = next(d for d in documents if "cod_1h" in d)
    # readings before t = 60 k s cover 1 + 60 (k − 1) s ≥ 2700 s: k = 46
    assert first["ts"] - monday == 2760


def test_sample_records_the_readings_and_active_alarms(monday, drive, send):
    device = WastewaterStation("ww", {"load": 2.0, "column": "A", "seed": 4}, started_at=monday)
    drive(device, monday + 10 * 3600, 600)
    reply = send(device, "sample")
    assert reply["number"] == 1 and "cod" in reply["values"]
    assert reply["alarms"] == sorted(device.alarm_state) and "cod_high" in reply["alarms"]
    assert device.state()["samples"] == 1
    assert device.evidence[-2].action == "sample_taken"


def test_sample_takes_no_parameters(send, monday):
    reply = send(WastewaterStation("ww", started_at=monday), "sample", bottle=2)
    assert reply["ok"] is False and "bottle" in reply["error"]


def test_an_unknown_column_names_the_field():
    with pytest.raises(InvalidSettings, match="column"):
        WastewaterStation("ww", {"column": "C"})


def test_a_receiving_water_must_be_known_and_its_size_positive():
    with pytest.raises(InvalidSettings, match="receiving"):
        WastewaterStation("ww", {"receiving": "sea"})
    with pytest.raises(InvalidSettings, match="receiving_size"):
        WastewaterStation("ww", {"receiving_size": -5})


def test_a_clock_that_steps_back_does_not_break_the_averages(monday, drive):
    device = WastewaterStation("ww", {"seed": 4}, started_at=monday)
    drive(device, monday + 3600, 600, step=60)
    before = device.values["cod_1h"]
    documents = drive(device, monday + 3000, 120, step=60)  # 10 minutes back
    assert len(documents) == 3 and documents[-1]["cod_1h"] == pytest.approx(before, abs=5)
