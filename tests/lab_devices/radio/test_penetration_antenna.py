"""O2I entry loss (TR 38.901 V17.0.0 §7.4.3.1) and the Table 7.3-1 antenna element."""

import numpy as np
import pytest

from lab_devices.radio.antenna import sector_gain_db
from lab_devices.radio.penetration import material_loss_db, wall_loss_db


def test_low_loss_building_at_3_5_ghz():
    # Table 7.4.3-1: glass 2 + 0.2·3.5 = 2.7 dB, concrete 5 + 4·3.5 = 19 dB
    # 5 - 10·log10(0.3·10^-0.27 + 0.7·10^-1.9) = 5 - 10·log10(0.161110 + 0.008812) = 12.6975 dB
    assert wall_loss_db("low-loss", 3.5) == pytest.approx(12.6975, abs=1e-3)


def test_high_loss_building_at_3_5_ghz():
    # IRR glass 23 + 0.3·3.5 = 24.05 dB: 5 - 10·log10(0.7·10^-2.405 + 0.3·10^-1.9)
    # = 5 - 10·log10(0.0027549 + 0.0037768) = 26.8498 dB
    assert wall_loss_db("high-loss", 3.5) == pytest.approx(26.8498, abs=1e-3)


def test_unknown_wall_and_material_are_named():
    with pytest.raises(ValueError, match="unknown wall 'paper'"):
        wall_loss_db("paper", 3.5)
    with pytest.raises(ValueError, match="unknown material 'steel'"):
        material_loss_db("steel", 3.5)


def test_sector_has_full_gain_on_its_boresight_at_its_tilt():
    # a point 100 m east, 10 m below: zenith 90 + atan(10/100) = 95.71°, tilt 5.71° → 8 dBi
    tilt = np.degrees(np.arctan2(10.0, 100.0))
    got = sector_gain_db(np.array([100.0]), np.array([0.0]), 10.0,
                         azimuth_deg=90.0, tilt_deg=tilt, max_gain_dbi=8.0)  # fmt: skip
    assert got[0] == pytest.approx(8.0)


def test_sector_loses_3_db_at_half_the_beamwidth_and_30_db_behind():
    # 32.5° off boresight: 12·(32.5/65)² = 3 dB; 90° off: 12·(90/65)² = 23.006 dB;
    # behind: min(12·(180/65)², 30) = 30 dB
    dx = np.array([np.sin(np.radians(32.5)), -1.0, 0.0]) * 1000
    dy = np.array([np.cos(np.radians(32.5)), 0.0, -1.0]) * 1000
    got = sector_gain_db(dx, dy, 0.0, azimuth_deg=0.0, tilt_deg=0.0, max_gain_dbi=8.0)
    assert got[0] == pytest.approx(5.0, abs=1e-6)
    assert got[1] == pytest.approx(8.0 - 23.006, abs=1e-3)
    assert got[2] == pytest.approx(-22.0, abs=1e-6)
