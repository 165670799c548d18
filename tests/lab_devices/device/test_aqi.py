"""VN_AQI against Decision 1459/QĐ-TCMT: NowCast, Table 2 interpolation, Table 1 bands."""

from __future__ import annotations

import pytest

from lab_devices.device import aqi

# 2.3 a of the Decision: PM2.5 1 h means 09:00 … 20:00; NowCast takes them newest first.
DECISION_PM25 = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6]


def test_nowcast_of_the_decisions_worked_example_is_20_3():
    # w* = 16.5 / 26.9 = 0.613 > 1/2, so w = w*; the Decision gives 20.3 µg/m³
    assert aqi.nowcast(DECISION_PM25[::-1]) == pytest.approx(20.3, abs=0.05)


def test_nowcast_with_a_steady_hour_weights_by_w_star():
    hourly = [20.0, 16.0, 20.0] + [None] * 9
    # w* = 16 / 20 = 0.8: (20 + 16 × 0.8 + 20 × 0.64) / (1 + 0.8 + 0.64) = 45.6 / 2.44
    assert aqi.nowcast(hourly) == pytest.approx(45.6 / 2.44)  # 18.689


def test_nowcast_with_a_fast_change_floors_w_at_one_half():
    hourly = [30.0, 20.0, 10.0] + [None] * 9
    # w* = 10 / 30 = 0.33 ≤ 1/2, so w = 1/2: (30 + 20 × 0.5 + 10 × 0.25) / 1.75 = 24.286
    assert aqi.nowcast(hourly) == pytest.approx(42.5 / 1.75)


def test_nowcast_needs_two_of_the_three_latest_hours():
    assert aqi.nowcast([10.0, None, None] + [5.0] * 9) is None
    # c1 and c3 present: missing c2 has weight 0; w* = 5 / 10 = 0.5 → w = 1/2
    # (10 × 1 + 5 × 0.25 + 5 × (0.125 + … + 0.5^11)) / (1 + 0.25 + 0.125 + … + 0.5^11)
    weights = [1.0, 0.0] + [0.5**i for i in range(2, 12)]
    values = [10.0, 0.0, 5.0] + [5.0] * 9
    expected = sum(w * c for w, c in zip(weights, values, strict=True)) / sum(weights)
    assert aqi.nowcast([10.0, None, 5.0] + [5.0] * 9) == pytest.approx(expected)


def test_hourly_sub_indices_of_the_decisions_example():
    # 2.3 b: O3 136.1 → 50/160 × 136.1 = 42.53 → 43
    assert aqi.round_half_up(aqi.sub_index("o3_1h", 136.1)) == 43
    # NO2 118.7 → 50 + 50/100 × 18.7 = 59.35 → 59 (the Decision prints 60 for this one)
    assert aqi.sub_index("no2", 118.7) == pytest.approx(59.35)
    # PM2.5 NowCast 20.3 → 50/25 × 20.3 = 40.6 → 41
    index, parts = aqi.hourly_aqi({"pm25": 20.3}, {"no2": 118.7, "o3_1h": 136.1})
    assert parts["pm25"] == pytest.approx(40.6)
    assert index == 59  # max(42.53, 59.35, 40.6) rounded


def test_daily_aqi_of_the_decisions_example_is_110():
    index, parts = aqi.daily_aqi({"pm25": 55.7}, {"no2": 130.8, "o3_1h": 114.6}, max_o3_8h=89.3)
    # O3: max(50/160 × 114.6 = 35.81, 50/100 × 89.3 = 44.65) = 44.65 → 45
    assert parts["o3"] == pytest.approx(44.65)
    # NO2: 50 + 50/100 × 30.8 = 65.4 → 65
    assert parts["no2"] == pytest.approx(65.4)
    # PM2.5: 100 + 50/30 × (55.7 − 50) = 109.5 → 110
    assert parts["pm25"] == pytest.approx(109.5)
    assert index == 110


def test_daily_o3_drops_its_8_h_index_above_400():
    # 2.2.2 b: largest 8 h mean 450 > 400 µg/m³, so only the largest 1 h mean counts:
    # O3 1 h 500 → 200 + (300 − 200)/(800 − 400) × (500 − 400) = 225
    index, parts = aqi.daily_aqi({"pm25": 10.0}, {"o3_1h": 500.0}, max_o3_8h=450.0)
    assert parts["o3"] == pytest.approx(225.0)
    assert index == 225 and aqi.band(index).vi == "Rất xấu"


def test_more_sub_indices_worked_by_hand():
    # PM10 200: 100 + (150 − 100)/(250 − 150) × (200 − 150) = 125
    assert aqi.sub_index("pm10", 200.0) == pytest.approx(125.0)
    # CO 35 000 µg/m³: 100 + 50/15 000 × 5 000 = 116.67
    assert aqi.sub_index("co", 35_000.0) == pytest.approx(116.6667, abs=1e-4)
    # PM2.5 at a breakpoint: 50 → 100; above the last (≥ 500) → 500
    assert aqi.sub_index("pm25", 50.0) == pytest.approx(100.0)
    assert aqi.sub_index("pm25", 620.0) == 500.0
    # SO2 600: 150 + 50/250 × 50 = 160
    assert aqi.sub_index("so2", 600.0) == pytest.approx(160.0)


def test_the_bands_of_table_1():
    assert [(b.low, b.high, b.vi) for b in aqi.BANDS] == [
        (0, 50, "Tốt"), (51, 100, "Trung bình"), (101, 150, "Kém"), (151, 200, "Xấu"),
        (201, 300, "Rất xấu"), (301, 500, "Nguy hại")]
    assert aqi.band(50).vi == "Tốt" and aqi.band(51).vi == "Trung bình"
    assert aqi.band(110).rgb == (255, 126, 0)
    assert aqi.band(301).colour == "nâu"


def test_an_index_needs_pm25_or_pm10():
    assert aqi.hourly_aqi({"pm25": None, "pm10": None}, {"co": 5_000.0})[0] is None


def test_bad_input_names_what_is_wrong():
    with pytest.raises(ValueError, match="unknown pollutant 'pm1'"):
        aqi.sub_index("pm1", 10.0)
    with pytest.raises(ValueError, match="pm25 concentration must be a finite number >= 0"):
        aqi.sub_index("pm25", -1.0)
    with pytest.raises(ValueError, match="12 latest 1 h means, not 3"):
        aqi.nowcast([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NowCast is for pm25 and pm10 only, not 'co'"):
        aqi.hourly_aqi({"co": 1.0}, {})
    with pytest.raises(ValueError, match="within 0 … 500, not 501"):
        aqi.band(501)
