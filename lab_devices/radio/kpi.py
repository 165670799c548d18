"""From path loss to the KPIs a modem reports, one documented step at a time.

1. Power per resource element (RE): the gNB spreads its power evenly over the
   12 · N_RB subcarriers of the carrier, N_RB from TS 38.101-1/-2 Table 5.3.2-1
   (`nr.n_prb`). EPRE = P_tx - 10 log10(12 N_RB).
2. RSRP (TS 38.215 §5.1.1, SS-RSRP): the linear average power of the REs carrying the
   reference signal, so RSRP = EPRE + G_tx + G_rx - PL - other losses.
3. RSSI (TS 38.215 §5.1.3, NR carrier RSSI): the total power over N RBs of the measured
   symbols, from every source: the serving cell, the other co-channel cells (each times
   its activity, the share of REs it fills) and thermal noise. The serving cell counts
   in full by default: its SSB fills the symbols where SS-RSRQ is measured.
4. RSRQ (TS 38.215 §5.1.3): N · RSRP / RSSI. A lone, fully loaded cell at high SNR gives
   10 log10(1/12) = -10.8 dB, the textbook ceiling.
5. SINR per RE: S / (Σ activity_i · I_i + N), with N = kT·SCS·NF and kT = -174 dBm/Hz.
6. CQI (TS 38.214 Table 5.2.2.1-2): the highest CQI whose efficiency the link can carry.
   A real UE's SINR-to-CQI mapping is vendor-specific; ours is an engineering
   approximation: the attenuated Shannon bound of 3GPP TR 36.942 Annex A.2,
   SE = α log2(1 + SINR) with α = 0.6, inverted at each CQI's efficiency.
7. Spectral efficiency: the CQI's efficiency (bits per RE) times the MIMO layers.
8. Throughput: TS 38.306 §4.1.2 with Q_m · f · R_max replaced by that efficiency, times
   the PRB share the scheduler gives the UE and the TDD downlink share.
9. Latency: the user-plane budget of TR 37.910 §5.7.1 (processing, frame alignment,
   transmission, HARQ retransmissions) in slots, plus queueing and a core-network term.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .nr import CQI_TABLE, numerology, overhead

THERMAL_NOISE_DBM_HZ = -174.0  # kT at 290 K
MAX_QUEUE_LOAD = 0.95  # buffers are finite: a full cell queues 19 slots, not forever
SHANNON_ATTENUATION = 0.6  # α of TR 36.942 Annex A.2 (downlink)
_EFFICIENCIES = np.array([row.efficiency for row in CQI_TABLE[1:]])
# SINR (dB) at which α log2(1 + SINR) reaches each CQI's efficiency: CQI 1..15
CQI_SINR_THRESHOLDS_DB = 10.0 * np.log10(2.0 ** (_EFFICIENCIES / SHANNON_ATTENUATION) - 1.0)


def db_to_linear(db: ArrayLike) -> NDArray:
    return np.power(10.0, np.asarray(db) / 10.0)


def linear_to_db(linear: ArrayLike) -> NDArray:
    return 10.0 * np.log10(linear)


def epre_dbm(tx_power_dbm: float, n_rb: int) -> float:
    """Energy per RE in dBm: the carrier power shared evenly by its 12 · N_RB subcarriers."""
    if n_rb <= 0:
        raise ValueError(f"n_rb must be a positive number of resource blocks; got {n_rb!r}")
    return tx_power_dbm - 10.0 * math.log10(12 * n_rb)


def rsrp_dbm(
    tx_power_dbm: float, n_rb: int, pathloss_db: ArrayLike, gains_db: ArrayLike = 0.0
) -> NDArray:
    """RSRP = EPRE + antenna gains - path loss (all in dB)."""
    return epre_dbm(tx_power_dbm, n_rb) + np.asarray(gains_db) - np.asarray(pathloss_db)


def noise_per_re_dbm(scs_khz: float, noise_figure_db: float) -> float:
    """Thermal noise in one subcarrier: -174 dBm/Hz + 10 log10(SCS) + NF."""
    return THERMAL_NOISE_DBM_HZ + 10.0 * math.log10(scs_khz * 1e3) + noise_figure_db


def _interference_mw(interferer_rsrp_dbm: ArrayLike, activity: ArrayLike) -> NDArray:
    rsrp = np.asarray(interferer_rsrp_dbm, dtype=float)
    if rsrp.size == 0:
        return np.zeros(rsrp.shape[1:])
    return np.sum(db_to_linear(rsrp) * np.asarray(activity), axis=0)


def rssi_dbm(
    serving_rsrp_dbm: ArrayLike,
    interferer_rsrp_dbm: ArrayLike,
    *,
    n_rb: int,
    scs_khz: float,
    noise_figure_db: float,
    serving_activity: float = 1.0,
    interferer_activity: ArrayLike = 1.0,
) -> NDArray:
    """NR carrier RSSI over N_RB: 12 N_RB · (serving + interference + noise per RE).

    `interferer_rsrp_dbm` stacks the other cells on axis 0 (shape (cells, ...)).
    """
    per_re = (
        serving_activity * db_to_linear(serving_rsrp_dbm)
        + _interference_mw(interferer_rsrp_dbm, interferer_activity)
        + db_to_linear(noise_per_re_dbm(scs_khz, noise_figure_db))
    )
    return linear_to_db(12 * n_rb * per_re)


def rsrq_db(rsrp: ArrayLike, rssi: ArrayLike, n_rb: int) -> NDArray:
    """RSRQ = N · RSRP / RSSI, in dB (TS 38.215 §5.1.3)."""
    return 10.0 * math.log10(n_rb) + np.asarray(rsrp) - np.asarray(rssi)


def sinr_db(
    serving_rsrp_dbm: ArrayLike,
    interferer_rsrp_dbm: ArrayLike,
    *,
    scs_khz: float,
    noise_figure_db: float,
    interferer_activity: ArrayLike = 1.0,
) -> NDArray:
    """SINR per RE: serving / (Σ activity · interferer + thermal noise · NF)."""
    noise = db_to_linear(noise_per_re_dbm(scs_khz, noise_figure_db))
    interference = _interference_mw(interferer_rsrp_dbm, interferer_activity)
    return np.asarray(serving_rsrp_dbm) - linear_to_db(interference + noise)


def cqi_from_sinr(sinr: ArrayLike) -> NDArray[np.int8]:
    """CQI 0-15 of TS 38.214 Table 5.2.2.1-2 from SINR in dB (see step 6 above)."""
    return np.searchsorted(CQI_SINR_THRESHOLDS_DB, np.asarray(sinr), side="right").astype(np.int8)


def spectral_efficiency(cqi: ArrayLike, layers: int = 1) -> NDArray:
    """Bits per RE: the CQI's efficiency times the number of MIMO layers."""
    return np.asarray([row.efficiency for row in CQI_TABLE])[np.asarray(cqi)] * layers


def throughput_mbps(
    cqi: ArrayLike,
    *,
    n_rb: int,
    scs_khz: int,
    band: str,
    layers: int = 1,
    prb_share: ArrayLike = 1.0,
    tdd_downlink_share: float = 1.0,
) -> NDArray:
    """Downlink throughput: TS 38.306 §4.1.2 with the CQI's efficiency for Q_m·f·R_max."""
    symbols_per_s = 14 * 2 ** numerology(scs_khz) * 1e3
    bits_per_s = spectral_efficiency(cqi, layers) * n_rb * 12 * symbols_per_s
    return 1e-6 * bits_per_s * (1 - overhead(band)) * np.asarray(prb_share) * tdd_downlink_share


def latency_ms(
    *,
    scs_khz: int,
    prb_load: ArrayLike = 0.0,
    bler: float = 0.1,
    core_ms: float = 1.0,
    harq_rtt_slots: int = 8,
) -> NDArray:
    """One-way downlink user-plane latency in ms, a teaching model.

    Air part in slots (TR 37.910 §5.7.1 terms): gNB processing 1 + frame alignment 0.5 +
    transmission 1 + UE processing 1, plus bler/(1 - bler) expected retransmissions of
    `harq_rtt_slots` each. Queueing grows as ρ/(1 - ρ) slots with the PRB load ρ (an
    M/M/1 approximation), with ρ capped at 0.95 since a real scheduler's buffers are
    finite; `core_ms` covers transport and a UPF in the park.
    """
    if not 0.0 <= bler < 1.0:
        raise ValueError(f"bler must be in [0, 1); got {bler!r}")
    slot_ms = 1.0 / 2 ** numerology(scs_khz)
    load = np.asarray(prb_load, dtype=float)
    if np.any(~((load >= 0.0) & (load <= 1.0))):
        raise ValueError(f"prb_load must be in [0, 1]; got {prb_load!r}")
    load = np.minimum(load, MAX_QUEUE_LOAD)
    queue_slots = load / (1.0 - load)
    air_slots = 3.5 + bler / (1.0 - bler) * harq_rtt_slots
    return (air_slots + queue_slots) * slot_ms + core_ms


# Teaching bands for reading a drive test, a common field convention, not a 3GPP rule:
# (lower bound, label) from best to worst.
RSRP_BANDS_DBM = ((-80.0, "excellent"), (-90.0, "good"), (-100.0, "fair"), (-math.inf, "poor"))
SINR_BANDS_DB = ((20.0, "excellent"), (13.0, "good"), (0.0, "fair"), (-math.inf, "poor"))


def classify(value: float, bands: tuple[tuple[float, str], ...]) -> str:
    """Label of the first band whose lower bound `value` reaches; NaN (no service) is "none"."""
    if math.isnan(value):
        return "none"
    return next(label for low, label in bands if value >= low)
