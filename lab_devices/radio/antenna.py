"""Antenna gain toward a point: TR 38.901 V17.0.0 Table 7.3-1, or an isotropic small cell.

A sector antenna has the 3GPP element pattern: 65° half-power beamwidths, 30 dB front-
to-back and side-lobe limits, G_max = 8 dBi, steered to an azimuth and a mechanical
downtilt. A cell without an azimuth is an omnidirectional small cell with a flat gain.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

BEAMWIDTH_DEG = 65.0
SIDE_LOBE_DB = 30.0
MAX_ATTENUATION_DB = 30.0


def sector_gain_db(
    dx_m: NDArray,
    dy_m: NDArray,
    height_drop_m: float,
    *,
    azimuth_deg: float,
    tilt_deg: float,
    max_gain_dbi: float,
) -> NDArray:
    """Gain in dBi of a Table 7.3-1 element toward points at (dx, dy) east/north of it.

    `azimuth_deg` is a compass bearing (0 = north, 90 = east); `tilt_deg` is the
    downtilt below the horizon; `height_drop_m` = h_BS - h_UT.
    """
    bearing = np.degrees(np.arctan2(dx_m, dy_m))
    phi = (bearing - azimuth_deg + 180.0) % 360.0 - 180.0
    d2d = np.hypot(dx_m, dy_m)
    # zenith angle: 90° at the horizon, larger below it
    theta = 90.0 + np.degrees(np.arctan2(height_drop_m, d2d))
    vertical = -np.minimum(12.0 * ((theta - 90.0 - tilt_deg) / BEAMWIDTH_DEG) ** 2, SIDE_LOBE_DB)
    horizontal = -np.minimum(12.0 * (phi / BEAMWIDTH_DEG) ** 2, MAX_ATTENUATION_DB)
    pattern = -np.minimum(-(vertical + horizontal), MAX_ATTENUATION_DB)
    return (max_gain_dbi + pattern).astype(np.asarray(dx_m).dtype, copy=False)
