"""Coverage maps: best server, RSRP, RSRQ, SINR, CQI and throughput over a park.

`coverage_map` turns the per-cell RSRP grids of a `RadioMap` into the KPIs of `kpi`,
point by point, without Python loops over points:

- the best server is the cell with the highest RSRP (any carrier: the UE is assumed to
  support them all);
- interference comes from the other cells on the same carrier (same fc), each weighted by
  its activity (the share of REs it fills; 1.0, full load, is the planning worst case);
- the throughput is that of one user given all PRBs of the best server, with two layers
  (the cell's `layers`) only where SINR ≥ 10 dB, one elsewhere: a rank-adaptation rule of
  thumb, not a standard. By default it counts every symbol and no lost transmission, the
  carrier's peak-style figure; pass ``tdd=nr.DEFAULT_TDD, bler=nr.INITIAL_BLER`` for what
  a user gets on a DDDSU carrier at the 10 % BLER target (0.743 · 0.9 = 0.669 of it),
  the figure `link.ue_kpis` and the device models report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .kpi import CQI_SINR_THRESHOLDS_DB, noise_per_re_dbm
from .layout import CellSite
from .nr import CQI_TABLE, TddPattern, numerology, overhead
from .radiomap import Grid, RadioMap
from .shadowing import F32

RANK_TWO_SINR_DB = 10.0
DEFAULT_NOISE_FIGURE_DB = 9.0  # UE receiver, a typical FR1 evaluation assumption
_EFFICIENCY = np.array([row.efficiency for row in CQI_TABLE], dtype=np.float32)


@dataclass(frozen=True)
class CoverageMap:
    """KPI grids of one cell plan; arrays are indexed [north, east] like `grid`."""

    grid: Grid
    cell_names: tuple[str, ...]
    in_park: np.ndarray
    best_server: np.ndarray  # index into cell_names
    rsrp_dbm: F32
    rsrq_db: F32
    sinr_db: F32
    cqi: np.ndarray
    throughput_mbps: F32
    zone_names: tuple[str, ...] = ()
    zone_index: np.ndarray | None = None  # index into zone_names, -1 outdoors

    def coverage_share(
        self, *, rsrp_min_dbm: float = -100.0, sinr_min_db: float = 0.0, zone: str | None = None
    ) -> float:
        """Share of the park's (or one zone's) points with RSRP and SINR at the thresholds."""
        area = self.in_park if zone is None else self.zone_mask(zone)
        covered = (self.rsrp_dbm >= rsrp_min_dbm) & (self.sinr_db >= sinr_min_db)
        return float(np.count_nonzero(covered & area) / np.count_nonzero(area))

    def zone_mask(self, zone: str) -> np.ndarray:
        """The grid points inside `zone`, or a ValueError listing the zones."""
        if zone not in self.zone_names or self.zone_index is None:
            raise ValueError(f"unknown zone {zone!r}: expected one of {list(self.zone_names)}")
        mask = self.zone_index == self.zone_names.index(zone)
        if not mask.any():
            raise ValueError(f"zone {zone!r} holds no grid point: use a finer spacing_m")
        return mask


def _cell_constants(cells: Sequence[CellSite]):
    """Per-cell arrays: carrier group, N_RB, and Mbps per bit/RE for one layer."""
    carriers = sorted({c.fc_ghz for c in cells})
    group = np.array([carriers.index(c.fc_ghz) for c in cells])
    n_rb = np.array([c.n_rb for c in cells], dtype=np.float32)
    mbps_per_eff = np.array(
        [c.n_rb * 12 * 14 * 2 ** numerology(c.scs_khz) * 1e3 * (1 - overhead(c.band)) * 1e-6
         for c in cells],
        dtype=np.float32,
    )  # fmt: skip
    return carriers, group, n_rb, mbps_per_eff


def coverage_map(
    radio: RadioMap,
    cells: Sequence[CellSite] | None = None,
    *,
    activity: float | Mapping[str, float] = 1.0,
    noise_figure_db: float = DEFAULT_NOISE_FIGURE_DB,
    extra_noise_dbm_per_re: float | None = None,
    tdd: TddPattern | None = None,
    bler: float = 0.0,
) -> CoverageMap:
    """KPI grids for `cells` (default: the layout's) on `radio`'s grid.

    `activity` is one load for all cells or a mapping from cell name to load.
    `extra_noise_dbm_per_re` adds an external interferer spread over the park (a fault).
    """
    cells = list(radio.layout.cells if cells is None else cells)
    if not cells:
        raise ValueError("coverage_map needs at least one cell")
    names = tuple(c.name for c in cells)
    load = np.array([_activity(activity, c.name) for c in cells], dtype=np.float32)
    carriers, group, _, mbps_per_eff = _cell_constants(cells)

    rsrp = radio.rsrp_stack(cells)  # (cells, ny, nx) dBm
    best = np.argmax(rsrp, axis=0)
    best_rsrp = np.take_along_axis(rsrp, best[None], axis=0)[0]
    noise = _noise_mw(cells, best, noise_figure_db, extra_noise_dbm_per_re)
    sinr, rsrq = _sinr_and_rsrq(rsrp, best, load, group, len(carriers), noise)

    cqi = np.searchsorted(CQI_SINR_THRESHOLDS_DB.astype(np.float32), sinr, side="right")
    layers = np.array([c.layers for c in cells])[best]
    layers = np.where(sinr >= RANK_TWO_SINR_DB, layers, 1)
    if not 0.0 <= bler < 1.0:
        raise ValueError(f"bler: must be in [0, 1); got {bler!r}")
    time_share = (1.0 if tdd is None else tdd.share(downlink=True)) * (1.0 - bler)
    throughput = _EFFICIENCY[cqi] * layers * mbps_per_eff[best] * np.float32(time_share)
    return CoverageMap(
        grid=radio.grid, cell_names=names, in_park=radio.in_park, best_server=best.astype(np.int16),
        rsrp_dbm=best_rsrp, rsrq_db=rsrq, sinr_db=sinr,
        cqi=cqi.astype(np.int8), throughput_mbps=throughput.astype(np.float32),
        zone_names=tuple(z.name for z in radio.layout.zones), zone_index=radio.zone_index,
    )  # fmt: skip


def _sinr_and_rsrq(rsrp, best, load, group, n_carriers: int, noise) -> tuple[F32, F32]:
    """SINR and RSRQ of the best server against its co-channel neighbours, per point."""
    power = np.power(np.float32(10.0), rsrp / np.float32(10.0))  # mW per RE
    best_power = np.take_along_axis(power, best[None], axis=0)[0].astype(np.float64)
    loaded = power * load[:, None, None]
    # sums in float64: interference is the carrier total less the serving cell, and in
    # float32 that difference loses everything when SINR is high
    per_carrier = np.stack(
        [loaded[group == g].sum(axis=0, dtype=np.float64) for g in range(n_carriers)]
    )
    same_carrier = np.take_along_axis(per_carrier, group[best][None], axis=0)[0]
    interference = np.maximum(same_carrier - best_power * load[best], 0.0)
    sinr = 10.0 * np.log10(best_power / (interference + noise))
    # RSRQ = N·RSRP/RSSI, RSSI = 12 N (serving + loaded neighbours + noise) per RE; the
    # serving cell counts in full because RSSI is read in symbols its SSB fills
    rsrq = 10.0 * np.log10(best_power / (12.0 * (best_power + interference + noise)))
    return sinr.astype(np.float32), rsrq.astype(np.float32)


def _activity(activity: float | Mapping[str, float], name: str) -> float:
    value = activity.get(name, 1.0) if isinstance(activity, Mapping) else activity
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"activity of cell {name!r} must be in [0, 1]; got {value!r}")
    return float(value)


def _noise_mw(cells, best, noise_figure_db, extra_noise_dbm_per_re) -> np.ndarray:
    per_cell = np.array(
        [10 ** (noise_per_re_dbm(c.scs_khz, noise_figure_db) / 10) for c in cells], dtype=np.float32
    )
    noise = per_cell[best]
    if extra_noise_dbm_per_re is not None:
        noise = noise + np.float32(10 ** (extra_noise_dbm_per_re / 10))
    return noise
