"""A small park for the radio tests: 200 m x 200 m, one InF-SH hall, UMi outdoors."""

import pytest

from lab_devices.radio.layout import CellSite, layout_from_dict

HALL = [[50, 120], [150, 120], [150, 180], [50, 180]]


def small_park(cells=()):
    return layout_from_dict(
        {
            "name": "test park",
            "boundary": [[0, 0], [200, 0], [200, 200], [0, 200]],
            "zones": [{"name": "hall", "scenario": "InF-SH", "polygon": HALL, "wall": "high-loss"}],
            "cells": list(cells),
        }
    )


def cell(name, x, y, **kw):
    base = {"name": name, "x_m": x, "y_m": y, "height_m": 10.0, "tx_power_dbm": 30.0,
            "fc_ghz": 3.5, "bandwidth_mhz": 100}  # fmt: skip
    base.update(kw)
    return base


@pytest.fixture
def park():
    return small_park([cell("west", 20, 60), cell("east", 180, 60),
                       cell("hall", 100, 150, height_m=8.0, zone="hall")])  # fmt: skip


@pytest.fixture
def lone_cell():
    return CellSite("lone", 100.0, 60.0, 10.0, 30.0, 3.5, 100)
