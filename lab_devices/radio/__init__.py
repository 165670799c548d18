"""5G radio emulation from 3GPP models: path loss, KPIs and coverage maps.

Everything is numpy-vectorised and pure (no I/O but reading layout YAML and writing
PNGs on request). The models and their sources:

- `pathloss(scenario, *, d2d_m, fc_ghz, los, h_bs_m=None, h_ut_m=None)`: median path
  loss of 3GPP TR 38.901 V17.0.0 Table 7.4.1-1 for InF-SL/DL/SH/DH (``los=True`` is
  InF-LOS), UMi-Street Canyon, UMa and RMa; ValueError naming the range otherwise.
- `los_probability(...)`: Table 7.4.2-1. `shadow_fading_db(scenario, shape, spacing_m,
  los=, seed=)`: log-normal shadow fading on a grid, spatially correlated at the
  decorrelation distance of Table 7.5-6; the LOS state is correlated too (Table 7.6.3.1-2).
- `kpi`: EPRE, RSRP, RSSI, RSRQ (TS 38.215), SINR, CQI (TS 38.214), spectral
  efficiency, throughput (TS 38.306 §4.1.2) and latency. `nr`: N_RB (TS 38.101), the
  CQI and MCS tables of TS 38.214 (CQI -> MCS -> Qm, R), the peak-rate formula and the
  rate of a link over a TDD pattern (DDDSU) at the 10 % BLER target.
- `bands`: NR bands as frequency ranges (TS 38.101-1/-2 Table 5.2-1) and the 5G blocks
  Vietnam's operators won in 2024 (Viettel 2500-2600, VNPT 3700-3800, MobiFone
  3800-3900 MHz); the bundled park runs on VNPT's block.
- `handover`: L3 filtering (TS 38.331 §5.5.3.2) and event A3 (§5.5.4.4) with
  time-to-trigger. `qos`: 5QI characteristics (TS 23.501 Table 5.7.4-1), S-NSSAI and a
  priority scheduler of a congested cell.
- `layout`: park layouts (boundary, zones with a scenario each, cells) from YAML;
  `bundled_layout()` is the illustrative "KCN Sa Đéc" park with a 20-cell plan.
- `RadioMap(layout, spacing_m=5, seed=0)`: per-cell RSRP grids, reproducible;
  `coverage_map(radio, cells)`: best server, RSRP, RSRQ, SINR, CQI and throughput grids
  and `coverage_share(rsrp_min_dbm=-100, sinr_min_db=0)`; `plot_coverage(...)`: a PNG.

For the device models (UE/modem and gNB), `link` is the whole API:

    radio = RadioMap(bundled_layout(), seed=7)
    k = ue_kpis(radio, (x_m, y_m))               # UeKpis: serving_cell, rsrp_dbm, rsrq_db,
    k.as_dict()                                  # sinr_db, cqi, spectral_efficiency,
                                                 # throughput_mbps, latency_ms, zone
    ues, cells = network_snapshot(radio, [UeDemand("agv-1", x, y, 20.0), ...])
    cells["FEED-2"].prb_utilisation              # CellLoad: connected_ues, prbs_used,
                                                 # demand_mbps, throughput_mbps

Faults are input changes: leave a cell out (outage), `cell.with_changes(tilt_deg=15)` or
`tx_power_dbm=...` (wrong tilt or power), a carrier outside the band the UE is locked on
(wrong band: the device models filter cells by `bands.band(name).holds(...)`),
`extra_noise_dbm_per_re=` (an interferer). A `RadioMap` caches each cell's grid by the
cell's description, so changing one cell recomputes that cell only.
"""

from . import bands, handover, nr, qos
from .coverage import CoverageMap, coverage_map
from .layout import CellSite, LayoutError, ParkLayout, Zone, bundled_layout, load_layout
from .link import CellLoad, UeDemand, UeKpis, network_snapshot, ue_kpis
from .los import los_probability
from .pathloss import pathloss
from .plot import plot_coverage
from .radiomap import Grid, RadioMap
from .scenarios import SCENARIO_NAMES, SPEC, get_scenario
from .shadowing import shadow_fading_db

__all__ = [
    "SCENARIO_NAMES",
    "SPEC",
    "CellLoad",
    "CellSite",
    "CoverageMap",
    "Grid",
    "LayoutError",
    "ParkLayout",
    "RadioMap",
    "UeDemand",
    "UeKpis",
    "Zone",
    "bands",
    "bundled_layout",
    "coverage_map",
    "get_scenario",
    "handover",
    "load_layout",
    "los_probability",
    "network_snapshot",
    "nr",
    "pathloss",
    "plot_coverage",
    "qos",
    "shadow_fading_db",
    "ue_kpis",
]
