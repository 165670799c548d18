"""InH-Office of TR 38.901 V17.0.0 (Table 7.4.1-1 path loss, Table 7.4.2-1 LOS), by hand."""

from __future__ import annotations

import pytest

from lab_devices.models.cell_planner import SmallCellPlanner
from lab_devices.radio import bundled_layout, los_probability, pathloss

OFFICE = "Nhà điều hành / administration"


def test_inh_office_path_loss_at_20_m_and_3_75_ghz():
    # d3D = sqrt(20² + (3 - 1)²) = sqrt(404) = 20.0998 m; log10 = 1.30319; log10 3.75 = 0.574031
    # LOS:  32.4 + 17.3 · 1.30319 + 20 · 0.574031 = 32.4 + 22.5452 + 11.4806 = 66.426 dB
    # NLOS: 17.3 + 38.3 · 1.30319 + 24.9 · 0.574031 = 17.3 + 49.9122 + 14.2934 = 81.506 dB
    los = pathloss("InH-Office", d2d_m=20, fc_ghz=3.75, los=True)
    nlos = pathloss("InH-Office", d2d_m=20, fc_ghz=3.75, los=False)
    assert los == pytest.approx(66.426, abs=1e-3) and nlos == pytest.approx(81.506, abs=1e-3)


def test_inh_nlos_never_drops_below_los():
    # at d3D = 1 m: LOS 32.4 + 11.4806 = 43.881; NLOS' 17.3 + 14.2934 = 31.593 < LOS -> LOS
    assert pathloss("InH-Office", d2d_m=0, fc_ghz=3.75, los=False, h_bs_m=2.0) == \
        pytest.approx(43.881, abs=1e-3)


def test_inh_mixed_office_los_probability():
    # 1 m: 1; 3 m: exp(-(3 - 1.2)/4.7) = exp(-0.38298) = 0.68183;
    # 10 m: 0.32 · exp(-(10 - 6.5)/32.6) = 0.32 · 0.89822 = 0.28743
    got = los_probability("InH-Office", d2d_m=[1.0, 3.0, 10.0])
    assert got == pytest.approx([1.0, 0.68183, 0.28743], abs=1e-5)


def test_inh_range_is_named():
    with pytest.raises(ValueError, match=r"InH-Office path loss needs 1 m ≤ d3D ≤ 150 m"):
        pathloss("InH-Office", d2d_m=200, fc_ghz=3.75, los=True)


def test_the_administration_block_is_an_office():
    assert bundled_layout().zone(OFFICE).scenario == "InH-Office"


def test_small_cells_can_be_planned_in_the_office(monday, send):
    planner = SmallCellPlanner("p", {"seed": 1, "zone": OFFICE, "max_cells": 2}, started_at=monday)
    assert send(planner, "place_cell", x_m=445, y_m=360, height_m=3, tx_power_dbm=20)["ok"]
    one = planner.coverage()
    # office walls (NLOS slope 38.3 dB/decade) keep one cell from the far end of 100 m
    assert 0 < one < 1
    assert send(planner, "place_cell", x_m=495, y_m=360, height_m=3, tx_power_dbm=20)["ok"]
    assert planner.coverage() > one
    reply = send(planner, "place_cell", x_m=470, y_m=360, height_m=8, tx_power_dbm=20)
    assert reply["ok"] is False and "height_m 8.0 is outside 2-6 m (InH-Office)" in reply["error"]
