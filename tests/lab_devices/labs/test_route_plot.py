"""The docs' route picture: the lab's modem walks, and the PNG is written."""

from __future__ import annotations

import pytest

from lab_devices.labs.route_plot import main, walk_lab


def test_the_walk_follows_the_lab_route_and_crosses_the_dead_zone():
    device, readings = walk_lab("5g-kpi-walk", "cpe-1", seconds=440, step=4)
    assert len(readings) == 111
    assert max(d["x"] for d in readings) == 980 and min(d["y"] for d in readings) == 300
    assert any(d["x"] == 980 and 420 <= d["y"] <= 500 for d in readings)
    assert device.dead_zone()


def test_main_writes_a_png(tmp_path, capsys):
    out = tmp_path / "walk.png"
    main(["--out", str(out), "--seconds", "60", "--step", "10"])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out) in capsys.readouterr().out


def test_a_device_that_is_not_a_modem_is_refused():
    with pytest.raises(SystemExit, match="no ue_modem device 'planner'"):
        walk_lab("5g-small-cells", "planner", seconds=10, step=1)


def test_main_draws_the_small_cells_example(tmp_path, capsys):
    out = tmp_path / "plan.png"
    main(["--small-cells", "--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out) in capsys.readouterr().out
