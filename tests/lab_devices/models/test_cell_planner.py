"""The small-cell planner: coverage from the placement, its commands and bad input."""

from __future__ import annotations

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.models.cell_planner import SmallCellPlanner


def planner(monday: float, **params) -> SmallCellPlanner:
    return SmallCellPlanner("planner", params, started_at=monday)


def place(device, send, x=760.0, y=420.0, height=8.0, power=24.0, **extra) -> dict:
    return send(device, "place_cell", x_m=x, y_m=y, height_m=height, tx_power_dbm=power,
                **extra)


def test_an_empty_hall_has_no_coverage(monday, drive):
    assert drive(planner(monday), monday, 0)[0] == {"ts": monday, "seq": 1, "cells": 0,
                                                     "coverage": 0.0}


def test_coverage_grows_with_a_second_cell_and_shows_in_telemetry(monday, drive, send):
    device = planner(monday)
    place(device, send, x=690.0)
    one = device.coverage()
    place(device, send, x=830.0)
    two = device.coverage()
    assert 0.5 < one < two <= 1.0
    assert drive(device, monday, 0)[0]["coverage"] == pytest.approx(100 * two, abs=0.05)


def test_a_stricter_threshold_covers_less(monday, send):
    loose, strict = planner(monday), planner(monday, rsrp_min_dbm=-85, sinr_min_db=10)
    for device in (loose, strict):
        place(device, send)
    assert strict.coverage() < loose.coverage()


def test_placing_by_name_moves_the_cell(monday, send):
    device = planner(monday)
    assert place(device, send, name="A")["name"] == "A"
    before = device.coverage()
    assert place(device, send, x=700.0, name="A")["cells"] == 1
    assert device.coverage() != before and device.placed["A"].x_m == 700.0


def test_remove_cell_and_evaluate_are_evidence(monday, send):
    device = planner(monday)
    place(device, send)
    assert send(device, "remove_cell", name="SC-1") == {"id": 1, "ok": True, "cells": 0}
    reply = send(device, "evaluate")
    assert reply["coverage"] == 0.0 and reply["target_met"] is False and reply["cells"] == []
    actions = [e.action for e in device.evidence if e.action != "command_accepted"]
    assert actions == ["cell_placed", "cell_removed", "plan_evaluated"]


@pytest.mark.parametrize(("params", "error"), [
    ({"x_m": 10.0}, "is not inside the hall (x 620-900 m, y 320-520 m)"),
    ({"height_m": 30.0}, "height_m 30.0 is outside 0.5-25 m (InF-SH)"),
    ({"tx_power_dbm": 30.0}, "tx_power_dbm 30.0 is outside 0-24 dBm"),
    ({"name": "no spaces"}, "name: String should match pattern"),
    ({"height_m": "8"}, "height_m: Input should be a valid number"),
])
def test_a_bad_placement_gets_a_clear_error(monday, send, params, error):
    device = planner(monday)
    reply = send(device, "place_cell", **{"x_m": 760.0, "y_m": 420.0, "height_m": 8.0,
                                          "tx_power_dbm": 24.0, **params})
    assert reply["ok"] is False and error in reply["error"]
    assert device.placed == {}


def test_the_plan_holds_at_most_max_cells(monday, send):
    device = planner(monday, max_cells=2)
    place(device, send, x=690.0)
    place(device, send, x=830.0)
    reply = place(device, send, x=760.0)
    assert reply["ok"] is False and "may hold 2 cells" in reply["error"]


def test_removing_an_unknown_cell_names_the_placed_ones(monday, send):
    device = planner(monday)
    place(device, send)
    reply = send(device, "remove_cell", name="SC-9")
    assert reply["ok"] is False and "no cell 'SC-9'; placed: SC-1" in reply["error"]


@pytest.mark.parametrize(("params", "field"), [
    ({"zone": "Moon base"}, "zone: no zone 'Moon base'"),
    ({"target_share": 1.5}, "target_share"),
    ({"max_cells": 0}, "max_cells"),
])
def test_bad_settings_name_the_field(params, field):
    with pytest.raises(InvalidSettings, match="small_cell_planner settings") as raised:
        SmallCellPlanner("planner", params)
    assert field in str(raised.value)
