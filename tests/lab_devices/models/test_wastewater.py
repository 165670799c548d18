"""The wastewater station: effluent physics and QCVN 40 limits read from data."""

from __future__ import annotations

import statistics

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.models import data
from lab_devices.models.wastewater import WastewaterStation


def day(monday: float, drive, **params) -> list[dict]:
    device = WastewaterStation("ww", {"seed": 4, **params}, started_at=monday)
    return drive(device, monday, 24 * 3600, step=300)


def test_limits_come_from_the_data_file_with_their_source():
    table = data.load("wastewater_limits")
    assert "QCVN 40:2011/BTNMT" in table["source"]
    assert "QCVN 40:2025/BTNMT" in table["in_force_note"]
    assert table["columns"]["A"]["cod"]["max"] == 75
    assert table["columns"]["B"]["cod"]["max"] == 150
    device = WastewaterStation("ww", {"column": "A"})
    assert device.limits == table["columns"]["A"]
    assert device.meta()["regulation"] == "QCVN 40:2011/BTNMT"


def test_readings_stay_within_the_documented_ranges(monday, drive):
    for document in day(monday, drive):
        assert 6.0 <= document["ph"] <= 8.5
        assert 5 <= document["cod"] <= 200
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


def test_a_heavy_load_raises_cod_alarms_against_column_a(monday, drive):
    documents = day(monday, drive, load=2.0, column="A")
    alarmed = [d for d in documents if any(a["id"] == "cod_high" for a in d.get("alarms", []))]
    assert alarmed and all(d["cod"] > 75 for d in alarmed)


def test_column_b_tolerates_what_column_a_does_not(monday, drive):
    a = day(monday, drive, load=1.6, column="A")
    b = day(monday, drive, load=1.6, column="B")
    count = lambda docs: sum(1 for d in docs if d.get("alarms"))  # noqa: E731
    assert count(a) > count(b)


def test_ph_below_the_minimum_raises_a_low_alarm(monday):
    device = WastewaterStation("ww", {"column": "A"}, started_at=monday)
    assert device.alarms({"ph": 5.8})["ph_low"].startswith("ph 5.80 below 6.0")


def test_sample_records_the_readings_and_active_alarms(monday, drive, send):
    device = WastewaterStation("ww", {"load": 2.0, "column": "A", "seed": 4}, started_at=monday)
    drive(device, monday + 10 * 3600, 600)
    reply = send(device, "sample")
    assert reply["number"] == 1 and "cod" in reply["values"]
    assert reply["alarms"] == sorted(device.alarm_state)
    assert device.state()["samples"] == 1
    assert device.evidence[-2].action == "sample_taken"


def test_sample_takes_no_parameters(send, monday):
    reply = send(WastewaterStation("ww", started_at=monday), "sample", bottle=2)
    assert reply["ok"] is False and "bottle" in reply["error"]


def test_an_unknown_column_names_the_field():
    with pytest.raises(InvalidSettings, match="column"):
        WastewaterStation("ww", {"column": "C"})
