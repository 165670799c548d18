"""The air-quality station: Mekong-delta daily cycles and QCVN screening alarms."""

from __future__ import annotations

import statistics

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.models.air_quality import AirQualityStation


def day(monday: float, drive, **params) -> list[dict]:
    device = AirQualityStation("air-1", {"seed": 11, **params}, started_at=monday)
    return drive(device, monday, 24 * 3600, step=300)


def at_hour(documents: list[dict], monday: float, start: float, end: float) -> list[dict]:
    return [d for d in documents if start <= (d["ts"] - monday) / 3600 < end]


def test_readings_stay_within_the_documented_ranges(monday, drive):
    for document in day(monday, drive):
        assert 20 <= document["temperature"] <= 36
        assert 40 <= document["humidity"] <= 100
        assert 2 <= document["pm25"] <= 200
        assert document["pm10"] > document["pm25"]
        assert 0.05 <= document["co"] <= 10
        assert 40 <= document["noise"] <= 80


def test_afternoon_is_warmer_and_drier_than_dawn(monday, drive):
    documents = day(monday, drive)
    dawn = at_hour(documents, monday, 3, 6)
    afternoon = at_hour(documents, monday, 13, 16)
    assert statistics.mean(d["temperature"] for d in afternoon) > \
        statistics.mean(d["temperature"] for d in dawn) + 5
    assert statistics.mean(d["humidity"] for d in dawn) > 85
    assert statistics.mean(d["humidity"] for d in afternoon) < 75


def test_the_rush_hour_raises_particles_co_and_noise(monday, drive):
    documents = day(monday, drive)
    rush = at_hour(documents, monday, 7, 8.5)
    midday = at_hour(documents, monday, 11, 13)
    for channel in ("pm25", "co", "noise"):
        assert statistics.mean(d[channel] for d in rush) > \
            statistics.mean(d[channel] for d in midday), channel


def test_the_wet_season_is_cleaner_and_more_humid(monday, drive):
    dry, wet = day(monday, drive), day(monday, drive, season="wet")
    assert statistics.mean(d["pm25"] for d in wet) < statistics.mean(d["pm25"] for d in dry)
    assert statistics.mean(d["humidity"] for d in wet) > statistics.mean(d["humidity"] for d in dry)


def test_heavy_traffic_raises_the_pm25_alarm_against_qcvn_05(monday, drive):
    documents = day(monday, drive, traffic=8)
    alarmed = [d for d in documents if any(a["id"] == "pm25_high" for a in d.get("alarms", []))]
    assert alarmed and all(d["pm25"] > 50 for d in alarmed)


def test_noise_limit_is_stricter_at_night(monday):
    device = AirQualityStation("air-1", started_at=monday)
    assert device.noise_limit(12.0) == 70 and device.noise_limit(23.0) == 55


def test_an_unknown_season_names_the_field():
    with pytest.raises(InvalidSettings, match="season"):
        AirQualityStation("air-1", {"season": "monsoon"})


def test_settings_refuse_unknown_keys():
    with pytest.raises(InvalidSettings, match="colour: Extra inputs are not permitted"):
        AirQualityStation("air-1", {"colour": 1})
