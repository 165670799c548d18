"""What the 5G device models call: a UE's KPIs at a point, and a gNB's load from demand.

- `ue_kpis(radio, (x, y))` reads the same RSRP grids as the coverage map (bilinear
  between grid points, so a moving AGV sees smooth, spatially consistent changes) and
  returns serving cell, RSRP, RSRQ, SINR, CQI, spectral efficiency, throughput and
  latency. A `rng` adds the measurement jitter a real modem shows.
- `network_snapshot(radio, ues)` attaches every UE to its best cell, turns each UE's
  demand into a PRB share, caps each cell at its PRBs, and feeds the cells' PRB use back
  as their activity (interference) for a few rounds. It returns per-UE KPIs and per-cell
  PRB use, connected UEs and throughput.

Faults are changes of the inputs: a cell outage is a cell left out of `cells`, a wrong
tilt or power is `cell.with_changes(tilt_deg=…)`, a wrong band is `ue_band_ghz` that
matches no cell, external interference is `extra_noise_dbm_per_re`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from . import kpi, nr
from .coverage import DEFAULT_NOISE_FIGURE_DB, RANK_TWO_SINR_DB
from .layout import CellSite
from .radiomap import RadioMap

SENSITIVITY_DBM = -125.0  # below this RSRP the UE finds no cell (a typical FR1 floor)
UE_TX_POWER_DBM = 23.0  # power class 3, the usual FR1 handset and CPE (TS 38.101-1 §6.2.1)
GNB_NOISE_FIGURE_DB = 5.0  # gNB receiver: a common evaluation assumption, not a 3GPP limit


@dataclass(frozen=True)
class UeKpis:
    """The KPIs a modem reports at one place and time."""

    serving_cell: str | None
    rsrp_dbm: float
    rsrq_db: float
    sinr_db: float
    cqi: int
    spectral_efficiency: float
    throughput_mbps: float
    latency_ms: float
    zone: str | None
    uplink_mbps: float = 0.0
    uplink_sinr_db: float = float("nan")

    @property
    def in_service(self) -> bool:
        return self.serving_cell is not None

    def as_dict(self) -> dict:
        """JSON-ready: numbers rounded, non-finite values as None."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, float):
                out[key] = round(value, 2) if math.isfinite(value) else None
        return out


@dataclass(frozen=True)
class CellLoad:
    """What a gNB reports about one of its cells."""

    name: str
    connected_ues: int
    prb_utilisation: float
    prbs_used: int
    demand_mbps: float
    throughput_mbps: float


@dataclass(frozen=True)
class UeDemand:
    """A UE's place and the downlink rate it asks for."""

    name: str
    x_m: float
    y_m: float
    demand_mbps: float


def _no_service(radio: RadioMap, x: float, y: float) -> UeKpis:
    nan = float("nan")
    return UeKpis(None, nan, nan, nan, 0, 0.0, 0.0, math.inf, radio.zone_at(x, y))


def ue_kpis(
    radio: RadioMap,
    ue_xy: tuple[float, float],
    cells: Sequence[CellSite] | None = None,
    *,
    activity: float | Mapping[str, float] = 1.0,
    prb_share: float = 1.0,
    noise_figure_db: float = DEFAULT_NOISE_FIGURE_DB,
    extra_noise_dbm_per_re: float | None = None,
    ue_band_ghz: float | None = None,
    rng: np.random.Generator | None = None,
    measurement_sigma_db: float = 1.0,
    serving: str | None = None,
    rsrp_dbm: np.ndarray | None = None,
    tdd: nr.TddPattern | None = nr.DEFAULT_TDD,
    bler: float = nr.INITIAL_BLER,
) -> UeKpis:
    """KPIs of a UE at `ue_xy` (metres) served by the best of `cells` (default: layout's).

    `serving` names the cell the UE is connected to (its handover procedure chose it);
    the strongest cell is used when it is None or not among `cells`. `rsrp_dbm` gives the
    RSRP of each of `cells` as measured (else the map's, plus `rng` jitter).

    Throughput is that of the MCS the CQI schedules (`nr.mcs_for_cqi`, TS 38.214 Table
    5.1.3.1-1) over the downlink symbols of `tdd` (DDDSU with a 10:2:2 special slot by
    default; None for FDD), less the first transmissions lost at the BLER target:
    `nr.link_rate_mbps`. CQI 15, two layers, 100 MHz at 30 kHz: 585.9 Mbit/s. The uplink
    (`uplink_mbps`) is one layer at the MCS of `uplink_sinr_db`, over the pattern's
    uplink symbols (16 of 70 for DDDSU 10:2:2) with the uplink overhead of TS 38.306.
    """
    x, y = float(ue_xy[0]), float(ue_xy[1])
    cells = list(radio.layout.cells if cells is None else cells)
    if ue_band_ghz is not None:
        cells = [c for c in cells if c.fc_ghz == ue_band_ghz]
    if not cells:
        return _no_service(radio, x, y)
    if rsrp_dbm is not None:
        rsrp = np.asarray(rsrp_dbm, dtype=float)
    else:
        rsrp = radio.rsrp_at(cells, x, y)
        if rng is not None:
            rsrp = rsrp + rng.normal(0.0, measurement_sigma_db, size=rsrp.shape)
    names = [c.name for c in cells]
    best = names.index(serving) if serving in names else int(np.argmax(rsrp))
    site = cells[best]
    if rsrp[best] < SENSITIVITY_DBM:
        return _no_service(radio, x, y)
    others = [i for i, c in enumerate(cells) if i != best and c.fc_ghz == site.fc_ghz]
    loads = np.array([_load(activity, cells[i].name) for i in others])
    own_load = _load(activity, site.name)
    noise_dbm = kpi.noise_per_re_dbm(site.scs_khz, noise_figure_db)
    sinr, rsrq = _sinr_and_rsrq(rsrp[best], rsrp[others], loads, noise_dbm, extra_noise_dbm_per_re)
    cqi = int(kpi.cqi_from_sinr(sinr))
    layers = site.layers if sinr >= RANK_TWO_SINR_DB else 1
    scheduled = nr.mcs_for_cqi(cqi)
    rate = 0.0 if scheduled is None else float(nr.link_rate_mbps(
        scheduled.efficiency, layers=layers, n_prb=site.n_rb, scs_khz=site.scs_khz,
        band=site.band, tdd=tdd, bler=bler)) * prb_share
    ul_sinr = uplink_sinr_db(float(rsrp[best]), site, noise_figure_db=GNB_NOISE_FIGURE_DB)
    ul_cqi = int(kpi.cqi_from_sinr(ul_sinr))
    ul_mcs = nr.mcs_for_cqi(ul_cqi)
    ul_rate = 0.0 if ul_mcs is None else float(nr.link_rate_mbps(
        ul_mcs.efficiency, layers=1, n_prb=site.n_rb, scs_khz=site.scs_khz, band=site.band,
        downlink=False, tdd=tdd, bler=bler)) * prb_share
    return UeKpis(
        uplink_mbps=ul_rate,
        uplink_sinr_db=ul_sinr,
        serving_cell=site.name,
        rsrp_dbm=float(rsrp[best]),
        rsrq_db=rsrq,
        sinr_db=sinr,
        cqi=cqi,
        spectral_efficiency=float(kpi.spectral_efficiency(cqi, layers)),
        throughput_mbps=rate,
        latency_ms=float(kpi.latency_ms(scs_khz=site.scs_khz, prb_load=own_load))
        if cqi > 0 else math.inf,
        zone=radio.zone_at(x, y),
    )  # fmt: skip


def uplink_sinr_db(rsrp_dbm: float, cell: CellSite, *, ue_power_dbm: float = UE_TX_POWER_DBM,
                   noise_figure_db: float = GNB_NOISE_FIGURE_DB) -> float:
    """Uplink SNR per RE at the gNB when the UE spreads its power over the whole carrier.

    The link is reciprocal (TDD, same carrier): path loss and antenna gains are those the
    downlink RSRP saw, RSRP = P_gNB - 10 log10(12 N_RB) + G - PL. The UE's power per RE is
    P_UE - 10 log10(12 N_RB), so the gNB receives RSRP - P_gNB + P_UE per RE, against
    kT·SCS·NF of its own receiver. Uplink interference from other cells' users is left out.
    """
    received = rsrp_dbm - cell.tx_power_dbm + ue_power_dbm
    return received - kpi.noise_per_re_dbm(cell.scs_khz, noise_figure_db)


def _load(activity: float | Mapping[str, float], name: str) -> float:
    value = activity.get(name, 1.0) if isinstance(activity, Mapping) else activity
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"activity of cell {name!r} must be in [0, 1]; got {value!r}")
    return float(value)


def _sinr_and_rsrq(
    serving_dbm: float,
    interferers_dbm: np.ndarray,
    loads: np.ndarray,
    noise_dbm: float,
    extra_noise_dbm: float | None,
) -> tuple[float, float]:
    """SINR = S / (Σ load·I + N) and RSRQ = S / (12 (S + Σ load·I + N)), per RE (kpi steps 3-5).

    The serving cell counts in full in the RSSI: its SSB fills the symbols RSRQ is read in.
    """
    signal = 10 ** (serving_dbm / 10)
    rest = float(np.sum(loads * 10 ** (interferers_dbm / 10))) + 10 ** (noise_dbm / 10)
    if extra_noise_dbm is not None:
        rest += 10 ** (extra_noise_dbm / 10)
    return 10 * math.log10(signal / rest), 10 * math.log10(signal / (12 * (signal + rest)))


def network_snapshot(
    radio: RadioMap,
    ues: Sequence[UeDemand],
    cells: Sequence[CellSite] | None = None,
    *,
    rounds: int = 3,
    **ue_options,
) -> tuple[dict[str, UeKpis], dict[str, CellLoad]]:
    """Per-UE KPIs and per-cell load when `ues` ask for their demand at once.

    Each UE takes the PRB share demand / (its full-carrier rate); a cell whose shares sum
    past 1 scales them all down (proportional fair in the long run). The cells' PRB use
    becomes their activity for the next round, since interference follows load.
    """
    cells = list(radio.layout.cells if cells is None else cells)
    activity = {c.name: 1.0 for c in cells}
    for _ in range(max(rounds, 1)):
        full = {u.name: ue_kpis(radio, (u.x_m, u.y_m), cells, activity=activity, **ue_options)
                for u in ues}  # fmt: skip
        shares = _prb_shares(ues, full)
        use = {c.name: min(1.0, sum(s for u, s in shares.items() if full[u].serving_cell == c.name))
               for c in cells}  # fmt: skip
        activity = {name: max(value, 0.01) for name, value in use.items()}
    result: dict[str, UeKpis] = {}
    for u in ues:
        cell = full[u.name].serving_cell
        share = _granted(shares, full, u.name, cell)
        result[u.name] = ue_kpis(radio, (u.x_m, u.y_m), cells, activity=activity,
                                 prb_share=share, **ue_options)  # fmt: skip
    return result, _cell_loads(cells, ues, result, use)


def _prb_shares(ues: Sequence[UeDemand], full: Mapping[str, UeKpis]) -> dict[str, float]:
    shares = {}
    for u in ues:
        rate = full[u.name].throughput_mbps
        if u.demand_mbps < 0:
            raise ValueError(f"UE {u.name!r}: demand_mbps must be ≥ 0; got {u.demand_mbps!r}")
        shares[u.name] = min(1.0, u.demand_mbps / rate) if rate > 0 else 0.0
    return shares


def _granted(shares, full, ue_name: str, cell: str | None) -> float:
    if cell is None:
        return 0.0
    total = sum(s for u, s in shares.items() if full[u].serving_cell == cell)
    return shares[ue_name] / max(total, 1.0)


def _cell_loads(cells, ues, result: Mapping[str, UeKpis], use) -> dict[str, CellLoad]:
    loads = {}
    for cell in cells:
        mine = [u for u in ues if result[u.name].serving_cell == cell.name]
        served = sum(min(u.demand_mbps, result[u.name].throughput_mbps) for u in mine)
        loads[cell.name] = CellLoad(
            name=cell.name,
            connected_ues=len(mine),
            prb_utilisation=round(use[cell.name], 4),
            prbs_used=int(round(use[cell.name] * cell.n_rb)),
            demand_mbps=sum(u.demand_mbps for u in mine),
            throughput_mbps=served,
        )
    return loads
