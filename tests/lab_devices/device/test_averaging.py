"""Rolling means of a station's readings: time weights, slots, coverage and gaps."""

from __future__ import annotations

import math

import pytest

from lab_devices.device.averaging import HourlyMeans, RollingMean, SlotSums


def test_each_reading_weighs_the_time_since_the_previous_one():
    mean = RollingMean(180.0, 60.0, min_coverage=0.5)
    for at, value in ((0.0, 10.0), (60.0, 20.0), (120.0, 40.0)):
        mean.add(at, value)
    # weights 1 s (first reading), 60 s, 60 s:
    # (10 × 1 + 20 × 60 + 40 × 60) / (1 + 60 + 60) = 3610 / 121 = 29.8347…
    assert mean.mean(120.0) == pytest.approx(3610 / 121)
    # coverage 121 s of the 180 s window
    assert mean.coverage(120.0) == pytest.approx(121 / 180)


def test_a_silence_longer_than_max_gap_is_a_gap_not_a_long_reading():
    sums = SlotSums(3600.0, 3, max_gap=900.0)
    sums.add(0.0, 5.0)
    sums.add(2000.0, 7.0)  # 2000 s after the first: counts 900 s, not 2000
    # slot 0: 5 × 1 + 7 × 900 = 6305 over 901 s
    assert sums.window(2000.0, 1) == pytest.approx((6305.0, 901.0))


def test_a_one_hour_mean_needs_45_minutes_of_readings():
    mean = RollingMean(3600.0, 60.0)
    for minute in range(45):  # readings at 0, 60, …, 2640 s
        mean.add(minute * 60.0, 12.0)
    # 1 + 44 × 60 = 2641 s covered: 73.4 % < 75 %
    assert mean.mean(2640.0) is None
    mean.add(2700.0, 12.0)
    # 1 + 45 × 60 = 2701 s: 75.03 %
    assert mean.mean(2700.0) == pytest.approx(12.0)


def test_the_window_forgets_slots_older_than_it():
    mean = RollingMean(3600.0, 60.0)
    for minute in range(90):
        mean.add(minute * 60.0, 10.0 if minute < 60 else 40.0)
    # at 5340 s (minute 89) the window is minutes 30 … 89: 30 readings of 10, 30 of 40,
    # 60 s each: (30 × 10 + 30 × 40) / 60 = 25
    assert mean.mean(89 * 60.0) == pytest.approx(25.0)
    for minute in range(90, 120):
        mean.add(minute * 60.0, 40.0)
    # at 7140 s the window is minutes 60 … 119: all 40
    assert mean.mean(119 * 60.0) == pytest.approx(40.0)


def test_completed_hours_newest_first_and_a_thin_hour_is_no_data():
    hours = HourlyMeans(25)
    for k in range(36):  # every 300 s through hours 0, 1, 2
        hours.add(k * 300.0, float(k // 12 + 1))
    hours.add(4 * 3600.0, 9.0)  # hour 3 empty, one reading opens hour 4
    # hour 0: 1 + 11 × 300 = 3301 s ≥ 2700 s; hours 1 and 2: 12 × 300 = 3600 s
    # hour 3: none; the reading at 14 400 s weighs 900 s (max gap) and lands in hour 4
    assert hours.completed(4 * 3600.0 + 10, 4) == [None, 3.0, 2.0, 1.0]
    # mean of the 3 valid of the last 4: (3 + 2 + 1) / 3 = 2
    assert hours.mean_of_hours(4 * 3600.0 + 10, 4, 3) == pytest.approx(2.0)
    assert hours.mean_of_hours(4 * 3600.0 + 10, 4, 4) is None


def test_readings_must_be_finite_and_in_time_order():
    sums = SlotSums(60.0, 5)
    with pytest.raises(ValueError, match="finite number"):
        sums.add(0.0, math.nan)
    sums.add(10.0, 1.0)
    with pytest.raises(ValueError, match="time order: 5.0 is before 10.0"):
        sums.add(5.0, 1.0)


def test_a_window_must_be_whole_slots_and_coverage_a_fraction():
    with pytest.raises(ValueError, match="not a whole number of 60"):
        RollingMean(100.0, 60.0)
    with pytest.raises(ValueError, match="min_coverage"):
        RollingMean(3600.0, 60.0, min_coverage=1.5)
    with pytest.raises(ValueError, match="slot must be positive"):
        SlotSums(0.0, 3)
