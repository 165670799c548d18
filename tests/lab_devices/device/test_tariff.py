"""EVN time-of-use schedules, prices and the energy registers, against hand-worked days."""

from __future__ import annotations

import copy

import pytest

from lab_devices.device.tariff import Prices, TariffDataError, TouRegisters, TouSchedule
from lab_devices.models import data

HOUR = 3600.0


def legacy() -> TouSchedule:
    return TouSchedule.from_table(data.load("tou_periods"), "circular_16_2014")


def qd963() -> TouSchedule:
    return TouSchedule.from_table(data.load("tou_periods"), "qd_963_2026")


def below_6kv() -> Prices:
    return Prices.from_table(data.load("evn_retail_prices"), "lt_6kv")


def test_the_schedule_in_force_is_the_one_on_bills():
    table = data.load("tou_periods")
    assert TouSchedule.from_table(table).name == "circular_16_2014"
    assert "16/2014/TT-BCT" in table["schedules"]["circular_16_2014"]["source"]
    assert "963/QĐ-BCT" in table["schedules"]["qd_963_2026"]["source"]


@pytest.mark.parametrize(("hour", "day", "old", "new"), [
    (10.0, 0, "peak", "normal"),      # Monday 10:00: morning peak only in the old hours
    (18.0, 0, "peak", "peak"),        # Monday 18:00
    (21.0, 5, "normal", "peak"),      # Saturday 21:00: the new evening peak runs to 22:30
    (5.0, 2, "normal", "off_peak"),   # Wednesday 05:00: the new off-peak runs to 06:00
    (23.0, 3, "off_peak", "normal"),  # Thursday 23:00
    (18.0, 6, "normal", "normal"),    # Sunday 18:00: no peak on Sunday in either
    (2.0, 6, "off_peak", "off_peak"),
])
def test_periods_by_hour_and_day(monday, hour, day, old, new):
    now = monday + day * 86400 + hour * HOUR
    assert legacy().period_at(now) == old
    assert qd963().period_at(now) == new


def test_a_period_ends_at_its_boundary(monday):
    period, ends = legacy().period_span(monday + 9 * HOUR)
    assert (period, ends) == ("normal", monday + 9.5 * HOUR)
    assert legacy().period_at(ends) == "peak"


def test_a_day_shift_costs_by_hand_under_both_schedules(monday):
    # Monday: 200 kW from 08:00 to 17:00, 50 kW otherwise (2,550 kWh).
    # Circular 16/2014 hours:
    #   off-peak 00-04, 22-24 at 50 kW:          6 h x 50          =   300 kWh
    #   normal 04-08 (50), 08-09:30 (200), 11:30-17 (200), 20-22 (50)
    #          200 + 300 + 1100 + 100                               = 1,700 kWh
    #   peak 09:30-11:30 (200), 17-20 (50):      400 + 150          =   550 kWh
    #   cost below 6 kV: 300 x 1300 + 1700 x 1987 + 550 x 3640
    #                  = 390,000 + 3,377,900 + 2,002,000            = 5,769,900 VND
    # Decision 963/QĐ-BCT hours:
    #   off-peak 00-06 at 50:                    300 kWh
    #   normal 06-08 (50), 08-17 (200), 17-17:30 (50), 22:30-24 (50)
    #          100 + 1800 + 25 + 75                                 = 2,000 kWh
    #   peak 17:30-22:30 at 50:                                     =   250 kWh
    #   cost: 390,000 + 2,000 x 1987 + 250 x 3640 = 390,000 + 3,974,000 + 910,000
    #                                                               = 5,274,000 VND
    cases = ((legacy(), {"off_peak": 300, "normal": 1700, "peak": 550}, 5_769_900),
             (qd963(), {"off_peak": 300, "normal": 2000, "peak": 250}, 5_274_000))
    for schedule, kwh, vnd in cases:
        registers = TouRegisters(schedule, below_6kv())
        for start, end, kw in ((0, 8, 50.0), (8, 17, 200.0), (17, 24, 50.0)):
            registers.add(monday + start * HOUR, monday + end * HOUR, kw, kw)
        assert registers.kwh == pytest.approx(2550)
        assert registers.kwh_by_period == pytest.approx(kwh), schedule.name
        assert registers.cost() == pytest.approx(vnd), schedule.name


def test_a_ramp_across_a_boundary_is_split_exactly(monday):
    # 0 -> 100 kW linearly from 09:00 to 10:00; the peak starts at 09:30 (50 kW then).
    # normal: (0 + 50) / 2 x 0.5 h = 12.5 kWh; peak: (50 + 100) / 2 x 0.5 h = 37.5 kWh.
    registers = TouRegisters(legacy(), below_6kv())
    registers.add(monday + 9 * HOUR, monday + 10 * HOUR, 0.0, 100.0, 0.0, 40.0)
    assert registers.kwh_by_period["normal"] == pytest.approx(12.5)
    assert registers.kwh_by_period["peak"] == pytest.approx(37.5)
    assert registers.kwh == pytest.approx(50.0)
    assert registers.kvarh == pytest.approx(20.0)  # (0 + 40) / 2 x 1 h


def test_prices_are_those_of_decision_1279_for_manufacturing():
    table = data.load("evn_retail_prices")
    assert "1279/QĐ-BCT" in table["source"]
    assert Prices.from_table(table, "ge_110kv").per_kwh == {
        "normal": 1811, "peak": 3266, "off_peak": 1146}
    assert Prices.from_table(table, "6_22kv").per_kwh == {
        "normal": 1899, "peak": 3508, "off_peak": 1234}


def test_an_unknown_voltage_level_or_period_is_refused():
    with pytest.raises(TariffDataError, match="no voltage level '35kv'; levels: 22_110kv"):
        Prices.from_table(data.load("evn_retail_prices"), "35kv")
    with pytest.raises(ValueError, match="unknown period"):
        below_6kv().cost({"shoulder": 1.0})


def test_an_unknown_schedule_is_refused():
    with pytest.raises(TariffDataError, match="no schedule 'tt_99'; schedules: circular"):
        TouSchedule.from_table(data.load("tou_periods"), "tt_99")


@pytest.mark.parametrize(("rows", "error"), [
    ([{"period": "off_peak", "from": 0, "to": 4}, {"period": "normal", "from": 5, "to": 24}],
     r"weekday\[1\] runs 5.0-24.0 h; it must start at 4.0 h"),
    ([{"period": "shoulder", "from": 0, "to": 24}], "period 'shoulder' is not one of"),
    ([{"period": "normal", "from": 0, "to": 20}], "weekday ends at 20.0 h, not 24 h"),
    ([{"period": "normal", "from": 0}], r"weekday\[0\] needs numeric 'from', 'to'"),
])
def test_a_malformed_schedule_names_the_row(rows, error):
    table = copy.deepcopy(data.load("tou_periods"))
    table["schedules"]["circular_16_2014"]["weekday"] = rows
    with pytest.raises(TariffDataError, match=error):
        TouSchedule.from_table(table, "circular_16_2014")


def test_an_interval_that_runs_backwards_is_refused(monday):
    with pytest.raises(ValueError, match="ends .* before it starts"):
        TouRegisters(legacy(), below_6kv()).add(monday + 10, monday, 1.0, 1.0)
