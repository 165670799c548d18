"""`python -m lab_devices.radio`: the pictures of the docs, and a clear error."""

from lab_devices.radio.__main__ import main

from .conftest import HALL


def test_map_command_writes_the_png(tmp_path, capsys):
    out = tmp_path / "map.png"
    layout = tmp_path / "park.yaml"
    layout.write_text(
        "name: p\nboundary: [[0, 0], [200, 0], [200, 200], [0, 200]]\n"
        f"zones: [{{name: hall, scenario: InF-SH, polygon: {HALL}}}]\n"
        "cells: [{name: c, x_m: 100, y_m: 150, height_m: 8, tx_power_dbm: 24, fc_ghz: 3.5,"
        " bandwidth_mhz: 100, zone: hall}]\n"
    )
    assert main(["map", "--layout-file", str(layout), "--out", str(out), "--kinds", "rsrp"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "coverage" in capsys.readouterr().out


def test_pathloss_chart_writes_the_png(tmp_path):
    out = tmp_path / "pl.png"
    assert main(["pathloss-chart", "--fc", "28", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000


def test_bad_layout_is_reported_not_raised(tmp_path, capsys):
    assert main(["map", "--layout", "nowhere", "--out", str(tmp_path / "x.png")]) == 2
    assert "no bundled layout 'nowhere'" in capsys.readouterr().err
