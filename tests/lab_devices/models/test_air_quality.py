"""The air-quality station: Mekong-delta daily cycles, its averages and QCVN 05 alarms."""

from __future__ import annotations

import statistics
from datetime import datetime

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.models.air_quality import VIETNAM, AirQualityStation, local_midnight


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


def alarm_ids(document: dict) -> set[str]:
    return {alarm["id"] for alarm in document.get("alarms", [])}


def test_a_compliant_day_raises_no_24_h_alarm_though_single_readings_pass_the_limit(
        monday, drive):
    device = AirQualityStation("air-1", {"seed": 11}, started_at=monday)
    documents = drive(device, monday, 24 * 3600, step=60)
    # QCVN 05:2023/BTNMT Table 1 note (*): 45 µg/Nm³ for the PM2.5 24 h mean from 2026-01-01
    day_mean = statistics.mean(d["pm25"] for d in documents[:-1])
    assert day_mean < 45
    over = sum(1 for d in documents if d["pm25"] > 45)
    assert over > 0.05 * len(documents)  # what a reading-by-reading alarm would have raised
    assert not any("pm25_high" in alarm_ids(d) for d in documents)
    assert all(d["pm25_24h"] < 45 for d in documents)
    # at midnight the 24 h mean is the mean of the day's 24 hourly means
    assert documents[-1]["pm25_24h"] == pytest.approx(day_mean, abs=0.5)


def test_a_day_over_the_24_h_limit_raises_the_alarm_on_its_mean(monday, drive):
    device = AirQualityStation("air-1", {"seed": 11, "traffic": 4}, started_at=monday)
    documents = drive(device, monday, 24 * 3600, step=60)
    # traffic 4: 22 × 1.13 background + 30 × 4 × 0.25 (mean rush) ≈ 55 µg/m³ > 45
    assert statistics.mean(d["pm25"] for d in documents[:-1]) > 45
    assert "pm25_high" in alarm_ids(documents[-1])
    for document in documents:
        assert ("pm25_high" in alarm_ids(document)) == (document["pm25_24h"] > 45)


def test_the_pm25_limit_is_50_until_2026_and_45_from_then(monday):
    device = AirQualityStation("air-1", started_at=monday)
    pm25_24h = next(item for item in device.mean_limits if item[2] == "pm25_24h")[4]
    new_year = datetime(2026, 1, 1, tzinfo=VIETNAM).timestamp()
    assert device.limit_on(pm25_24h, new_year - 1) == 50
    assert device.limit_on(pm25_24h, new_year) == 45
    # before QCVN 05:2023/BTNMT came into force (2023-09-12) it sets no limit
    in_force = datetime(2023, 9, 12, tzinfo=VIETNAM).timestamp()
    assert device.limit_on(pm25_24h, in_force - 1) is None
    assert device.limit_on(pm25_24h, in_force) == 50


def test_co_alarms_on_its_1_h_and_8_h_means_not_on_a_reading(monday):
    device = AirQualityStation("air-1", started_at=monday)
    device.now = monday + 12 * 3600
    # QCVN 05:2023/BTNMT Table 1: CO 30 000 µg/Nm³ (1 h), 10 000 µg/Nm³ (8 h)
    assert device.alarms({"co": 45.0, "co_1h": 29.9, "co_8h": 9.9}) == {}
    raised = device.alarms({"co": 1.0, "co_1h": 30.5, "co_8h": 10.2})
    assert set(raised) == {"co_high", "co_8h_high"}
    assert raised["co_high"].startswith("co 1 h mean 30.50 mg/m³ above 30")


def test_a_station_started_empty_publishes_its_1_h_mean_after_45_minutes(monday, drive):
    device = AirQualityStation("air-1", {"seed": 3, "history": False}, started_at=monday)
    documents = drive(device, monday, 3 * 3600, step=60)
    first = next(d for d in documents if "pm25_1h" in d)
    # the mean sent at t covers the readings before t: at t = 60 k s, 1 + 60 (k - 1) s
    # of readings; 75 % of 3600 s needs k - 1 ≥ 44.98, so k = 46, t = 2760 s
    assert first["ts"] - monday == 2760
    assert not any("pm25_24h" in d for d in documents)
    assert not any("aqi" in d for d in documents[:60])  # NowCast needs 2 of 3 latest hours


def test_the_station_publishes_its_hourly_vn_aqi_and_its_band(monday, drive):
    device = AirQualityStation("air-1", {"seed": 11}, started_at=monday)
    documents = drive(device, monday + 10 * 3600, 2 * 3600, step=300)
    for document in documents:
        # 24 h means of about 30 µg/m³ PM2.5 give a NowCast sub-index near 60
        assert 40 <= document["aqi"] <= 100
    assert device.state()["aqi_band"] in {"Tốt", "Trung bình"}
    # the hourly AQI is of the last completed hour: one value per clock hour
    by_hour: dict[int, set[int]] = {}
    for document in documents:
        by_hour.setdefault(int(document["ts"] // 3600), set()).add(document["aqi"])
    assert len(by_hour) == 3 and all(len(values) == 1 for values in by_hour.values())


def test_the_daily_aqi_is_of_the_previous_local_day(monday, drive):
    device = AirQualityStation("air-1", {"seed": 11}, started_at=monday)
    documents = drive(device, monday, 24 * 3600 + 60, step=60)
    monday_docs = [d for d in documents if d["ts"] < monday + 24 * 3600]
    # Decision 1459, 2.2.2: the 24 h mean is the mean of the day's 24 hourly means
    hourly = [statistics.mean(d["pm25"] for d in monday_docs
                              if h * 3600 <= d["ts"] - monday < (h + 1) * 3600)
              for h in range(24)]
    pm25_24h = statistics.mean(hourly)
    assert 25 < pm25_24h < 50  # Table 2 level 2 → 3: AQI 50 + 50/25 × (C − 25)
    expected = 50 + 50 / 25 * (pm25_24h - 25)
    tuesday = documents[-1]
    assert tuesday["ts"] - monday == 24 * 3600 + 60
    # PM10 (~55 µg/m³ → ~53) and CO (~2 mg/m³ → ~10) give less: PM2.5 sets the index
    assert abs(tuesday["aqi_day"] - expected) <= 1


def test_local_midnight_is_utc_plus_7(monday):
    assert local_midnight(monday + 23.9 * 3600) == monday
    assert local_midnight(monday + 24 * 3600) == monday + 86400


def test_history_must_be_true_or_false():
    with pytest.raises(InvalidSettings, match="history"):
        AirQualityStation("air-1", {"history": "maybe"})


def test_noise_limit_is_stricter_at_night(monday):
    device = AirQualityStation("air-1", started_at=monday)
    assert device.noise_limit(12.0) == 70 and device.noise_limit(23.0) == 55


def test_an_unknown_season_names_the_field():
    with pytest.raises(InvalidSettings, match="season"):
        AirQualityStation("air-1", {"season": "monsoon"})


def test_settings_refuse_unknown_keys():
    with pytest.raises(InvalidSettings, match="colour: Extra inputs are not permitted"):
        AirQualityStation("air-1", {"colour": 1})
