"""OEE of ISO 22400-2 from hand-worked counters, and refusal of impossible counters."""

from __future__ import annotations

import math

import pytest

from lab_devices.device.oee import OeeCounters, oee_of


def test_oee_from_counters_worked_by_hand():
    # A 7.5 h planned busy time (27,000 s), 6.75 h producing (24,300 s), a 12 s planned
    # cycle, 1,800 parts of which 1,746 good:
    #   availability  = 24,300 / 27,000        = 0.9
    #   effectiveness = 12 x 1,800 / 24,300    = 21,600 / 24,300 = 0.888 889
    #   quality ratio = 1,746 / 1,800          = 0.97
    #   OEE           = 0.9 x 0.888 889 x 0.97 = 0.8 x 0.97 = 0.776
    result = oee_of(OeeCounters(27_000, 24_300, 12.0, 1_800, 1_746))
    assert result.availability == pytest.approx(0.9)
    assert result.effectiveness == pytest.approx(0.888889, abs=1e-6)
    assert result.quality_ratio == pytest.approx(0.97)
    assert result.oee == pytest.approx(0.776)


def test_effectiveness_may_exceed_one_as_the_standard_allows():
    # 100 parts of a 12 s planned cycle made in 1,000 s: 1,200 / 1,000 = 1.2.
    assert oee_of(OeeCounters(1_000, 1_000, 12.0, 100, 100)).effectiveness == pytest.approx(1.2)


def test_nothing_planned_gives_zero_not_a_division_error():
    result = oee_of(OeeCounters(0, 0, 12.0, 0, 0))
    assert (result.availability, result.effectiveness, result.quality_ratio) == (0, 0, 0)


@pytest.mark.parametrize(("counters", "error"), [
    ((100, 120, 12.0, 5, 5), r"actual_production_s \(120\) exceeds planned_busy_s \(100\)"),
    ((100, 90, 12.0, 5, 6), r"good_quantity \(6\) exceeds produced_quantity \(5\)"),
    ((-1, 0, 12.0, 0, 0), "planned_busy_s must be a finite number >= 0, not -1"),
    ((100, 90, 0.0, 5, 5), "planned_run_time_per_unit_s must be above 0"),
    ((100, math.nan, 12.0, 5, 5), "actual_production_s must be a finite number"),
])
def test_impossible_counters_are_refused_by_name(counters, error):
    with pytest.raises(ValueError, match=error):
        OeeCounters(*counters)
