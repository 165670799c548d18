"""Coverage-map speed: a 1 km² park at a 5 m grid (201 x 201 points) with 20 cells.

Times the whole chain from layout to KPI grids (path loss, LOS state and shadow fading
fields, antenna gains, wall losses, RSRP, SINR, RSRQ, CQI, throughput, best server):

- cold: the first map in the process (FFT spectra not yet cached), the figure the JSON
  line reports;
- warm: a fresh map with the spectra cached, median of several runs;
- one cell changed: re-tilting one cell on an existing map (what a fault costs);
- baseline: `ue_kpis` called point by point on a sample, extrapolated to the grid, to
  show what the vectorisation buys.

Target: cold ≤ 1 s on the project machine. Ends with one JSON line.
Run: .venv/bin/python bench/coverage.py
"""

from __future__ import annotations

import json
import statistics
import time

import numpy as np

from lab_devices.radio import RadioMap, bundled_layout, coverage_map, ue_kpis

SPACING_M = 5.0
SEED = 478
WARM_RUNS = 5
BASELINE_POINTS = 300


def full_map(layout):
    radio = RadioMap(layout, spacing_m=SPACING_M, seed=SEED)
    return radio, coverage_map(radio)


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main() -> None:
    layout = bundled_layout("kcn_sa_dec")
    cells = list(layout.cells)
    cold_s, (radio, cmap) = timed(full_map, layout)
    warm = [timed(full_map, layout)[0] for _ in range(WARM_RUNS)]

    tilted = cells[0].with_changes(tilt_deg=cells[0].tilt_deg + 8.0)
    changed_s, _ = timed(coverage_map, radio, [tilted, *cells[1:]])

    rng = np.random.default_rng(0)
    xs = rng.uniform(0, 1000, BASELINE_POINTS)
    ys = rng.uniform(0, 1000, BASELINE_POINTS)
    loop_s, _ = timed(lambda: [ue_kpis(radio, (x, y)) for x, y in zip(xs, ys, strict=True)])
    points = cmap.grid.nx * cmap.grid.ny
    baseline_s = loop_s / BASELINE_POINTS * points

    share = cmap.coverage_share(rsrp_min_dbm=-100.0, sinr_min_db=0.0)
    print(f"park: {layout.name}; grid {cmap.grid.nx} x {cmap.grid.ny} = {points} points "
          f"at {SPACING_M:g} m; {len(cells)} cells")  # fmt: skip
    print(f"cold map (first in process):      {cold_s * 1000:8.1f} ms")
    print(f"warm map (median of {WARM_RUNS}):          {statistics.median(warm) * 1000:8.1f} ms")
    print(f"one cell re-tilted, map again:    {changed_s * 1000:8.1f} ms")
    print(f"point-by-point ue_kpis, extrapolated: {baseline_s:8.2f} s "
          f"({baseline_s / cold_s:.0f}x the cold map)")  # fmt: skip
    inside = cmap.in_park
    print(f"coverage (RSRP ≥ -100 dBm, SINR ≥ 0 dB): {share:.1%}; "
          f"at -110 dBm: {cmap.coverage_share(rsrp_min_dbm=-110.0):.1%}")  # fmt: skip
    print(f"median RSRP {np.median(cmap.rsrp_dbm[inside]):.1f} dBm, "
          f"median SINR {np.median(cmap.sinr_db[inside]):.1f} dB, "
          f"median throughput {np.median(cmap.throughput_mbps[inside]):.0f} Mbit/s")  # fmt: skip
    print(json.dumps({"seconds": round(cold_s, 4), "grid_points": points, "cells": len(cells),
                      "coverage": round(share, 4)}))  # fmt: skip


if __name__ == "__main__":
    main()
