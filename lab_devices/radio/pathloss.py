"""Median path loss of 3GPP TR 38.901 V17.0.0, Table 7.4.1-1 (no shadow fading).

InF, InH-Office, UMi-Street Canyon, UMa and RMa.

`pathloss` is the checked public entry point. `los_nlos_pathloss` is the unchecked,
vectorised kernel that coverage maps call after clipping distances into range: it
returns the LOS and the NLOS path loss together, because every NLOS model of the table
is a ``max(...)`` over the LOS one.

Notation follows the table: distances in metres, ``fc`` in GHz inside the logarithms and
in Hz inside the breakpoint distances, ``d3D = sqrt(d2D² + (hBS - hUT)²)``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .scenarios import (
    EFFECTIVE_ENV_HEIGHT_M,
    RMA_BUILDING_HEIGHT_M,
    RMA_STREET_WIDTH_M,
    SPEED_OF_LIGHT_M_S,
    Range,
    Scenario,
    get_scenario,
)

Array = NDArray[np.floating]


def breakpoint_uma_umi_m(h_bs_m: ArrayLike, h_ut_m: ArrayLike, fc_ghz: ArrayLike) -> Array:
    """d'BP = 4 h'BS h'UT fc / c with h' = h - hE and hE = 1 m (Table 7.4.1-1 note 1)."""
    h_bs = np.asarray(h_bs_m) - EFFECTIVE_ENV_HEIGHT_M
    h_ut = np.asarray(h_ut_m) - EFFECTIVE_ENV_HEIGHT_M
    return 4.0 * h_bs * h_ut * (np.asarray(fc_ghz) * 1e9) / SPEED_OF_LIGHT_M_S


def breakpoint_rma_m(h_bs_m: ArrayLike, h_ut_m: ArrayLike, fc_ghz: ArrayLike) -> Array:
    """dBP = 2π hBS hUT fc / c with the actual antenna heights (Table 7.4.1-1 note 5)."""
    fc_hz = np.asarray(fc_ghz) * 1e9
    return 2.0 * math.pi * np.asarray(h_bs_m) * np.asarray(h_ut_m) * fc_hz / SPEED_OF_LIGHT_M_S


def _inf(name: str, d3d, fc) -> tuple[Array, Array]:
    lg_d, lg_f = np.log10(d3d), np.log10(fc)
    los = 31.84 + 21.50 * lg_d + 19.00 * lg_f
    sparse_low = np.maximum(33.0 + 25.5 * lg_d + 20.0 * lg_f, los)
    if name == "InF-SL":
        return los, sparse_low
    if name == "InF-DL":  # max(PL_DL, PL_LOS, PL_SL)
        return los, np.maximum(18.6 + 35.7 * lg_d + 20.0 * lg_f, sparse_low)
    if name == "InF-SH":
        return los, np.maximum(32.4 + 23.0 * lg_d + 20.0 * lg_f, los)
    return los, np.maximum(33.63 + 21.9 * lg_d + 20.0 * lg_f, los)  # InF-DH


def _inh(d3d, fc) -> tuple[Array, Array]:
    """InH-Office: PL_LOS = 32.4 + 17.3 log10 d3D + 20 log10 fc;
    PL_NLOS = max(PL_LOS, 17.3 + 38.3 log10 d3D + 24.9 log10 fc)."""
    lg_d, lg_f = np.log10(d3d), np.log10(fc)
    los = 32.4 + 17.3 * lg_d + 20.0 * lg_f
    return los, np.maximum(17.3 + 38.3 * lg_d + 24.9 * lg_f, los)


def _umi(d2d, d3d, fc, h_bs, h_ut) -> tuple[Array, Array]:
    lg_d, lg_f = np.log10(d3d), np.log10(fc)
    d_bp = breakpoint_uma_umi_m(h_bs, h_ut, fc)
    before = 32.4 + 21.0 * lg_d + 20.0 * lg_f
    after = 32.4 + 40.0 * lg_d + 20.0 * lg_f - 9.5 * np.log10(d_bp**2 + (h_bs - h_ut) ** 2)
    los = np.where(d2d <= d_bp, before, after)
    nlos = 35.3 * lg_d + 22.4 + 21.3 * lg_f - 0.3 * (h_ut - 1.5)
    return los, np.maximum(los, nlos)


def _uma(d2d, d3d, fc, h_bs, h_ut) -> tuple[Array, Array]:
    lg_d, lg_f = np.log10(d3d), np.log10(fc)
    d_bp = breakpoint_uma_umi_m(h_bs, h_ut, fc)
    before = 28.0 + 22.0 * lg_d + 20.0 * lg_f
    after = 28.0 + 40.0 * lg_d + 20.0 * lg_f - 9.0 * np.log10(d_bp**2 + (h_bs - h_ut) ** 2)
    los = np.where(d2d <= d_bp, before, after)
    nlos = 13.54 + 39.08 * lg_d + 20.0 * lg_f - 0.6 * (h_ut - 1.5)
    return los, np.maximum(los, nlos)


def _rma_pl1(d, fc):
    h = RMA_BUILDING_HEIGHT_M
    return (
        20.0 * np.log10(40.0 * math.pi * d * fc / 3.0)
        + min(0.03 * h**1.72, 10.0) * np.log10(d)
        - min(0.044 * h**1.72, 14.77)
        + 0.002 * math.log10(h) * d
    )


def _rma(d2d, d3d, fc, h_bs, h_ut) -> tuple[Array, Array]:
    h, w = RMA_BUILDING_HEIGHT_M, RMA_STREET_WIDTH_M
    d_bp = breakpoint_rma_m(h_bs, h_ut, fc)
    # PL2 = PL1(dBP) + 40 log10(d3D / dBP): PL1 taken at the distance dBP, as the table writes it
    after = _rma_pl1(d_bp, fc) + 40.0 * np.log10(d3d / d_bp)
    los = np.where(d2d <= d_bp, _rma_pl1(d3d, fc), after)
    nlos = (
        161.04
        - 7.1 * math.log10(w)
        + 7.5 * math.log10(h)
        - (24.37 - 3.7 * (h / h_bs) ** 2) * np.log10(h_bs)
        + (43.42 - 3.1 * np.log10(h_bs)) * (np.log10(d3d) - 3.0)
        + 20.0 * np.log10(fc)
        - (3.2 * np.log10(11.75 * h_ut) ** 2 - 4.97)
    )
    return los, np.maximum(los, nlos)


def los_nlos_pathloss(
    scenario: Scenario, d2d_m, d3d_m, fc_ghz, h_bs_m, h_ut_m
) -> tuple[Array, Array]:
    """Return (LOS, NLOS) median path loss in dB, unchecked; the dtype of `d3d_m` is kept."""
    name = scenario.name
    if name == "InH-Office":
        return _inh(d3d_m, fc_ghz)
    if scenario.indoor:
        return _inf(name, d3d_m, fc_ghz)
    kernel = {"UMi": _umi, "UMa": _uma, "RMa": _rma}[name]
    return kernel(d2d_m, d3d_m, fc_ghz, h_bs_m, h_ut_m)


def _check(values, rng: Range, name: str, scenario: str, *, high=None, text=None) -> None:
    upper = rng.high if high is None else high
    bad = ~((values >= rng.low) & (values <= upper))  # also catches NaN
    if np.any(bad):
        got = float(np.broadcast_to(values, bad.shape)[bad].flat[0])
        wanted = text or rng.text(name)
        raise ValueError(f"{scenario} path loss needs {wanted}; got {name} = {got:g}")


def validate_link(
    scenario: Scenario, d2d: np.ndarray, fc: np.ndarray, los: np.ndarray, h_bs, h_ut
) -> np.ndarray:
    """Raise ValueError naming the range any input leaves; return d3D."""
    name = scenario.name
    _check(fc, scenario.fc_ghz, "fc_ghz", name)
    _check(np.asarray(h_bs, dtype=float), scenario.h_bs_range, "h_bs_m", name)
    _check(np.asarray(h_ut, dtype=float), scenario.h_ut_range, "h_ut_m", name)
    if np.any(~(d2d >= 0)):
        raise ValueError(f"{name} path loss needs d2d_m ≥ 0; got {float(np.min(d2d)):g}")
    d3d = np.sqrt(d2d**2 + (np.asarray(h_bs) - np.asarray(h_ut)) ** 2)
    if scenario.d3d_m is not None:
        text = f"{scenario.d3d_m.text('d3D')}, d3D = sqrt(d2d_m² + (h_bs_m - h_ut_m)²)"
        _check(d3d, scenario.d3d_m, "d3D", name, text=text)
    elif scenario.d2d_m is not None:
        rng, los_max = scenario.d2d_m, scenario.d2d_los_max_m
        if los_max is None:
            _check(d2d, rng, "d2d_m", name)
        else:
            text = (
                f"{rng.low:g} m ≤ d2d_m ≤ {los_max:g} m (LOS) or {rng.high:g} m (NLOS) "
                f"({rng.source})"
            )
            _check(d2d, rng, "d2d_m", name, high=np.where(los, los_max, rng.high), text=text)
    return d3d


def pathloss(
    scenario: str,
    *,
    d2d_m: ArrayLike,
    fc_ghz: ArrayLike,
    los: ArrayLike,
    h_bs_m: ArrayLike | None = None,
    h_ut_m: ArrayLike | None = None,
) -> float | Array:
    """Median path loss in dB of TR 38.901 V17.0.0 Table 7.4.1-1, without shadow fading.

    `scenario` is one of InF-SL, InF-DL, InF-SH, InF-DH, InH-Office, UMi, UMa, RMa; for InF,
    ``los=True`` selects InF-LOS. Heights default to the scenario's (Table 7.2-4 for InF,
    Table 7.4.1-1 otherwise). Inputs broadcast; all-scalar inputs give a float. A value
    outside the model's validity range raises a ValueError that names the range.
    """
    sc = get_scenario(scenario)
    h_bs = np.asarray(sc.h_bs_m if h_bs_m is None else h_bs_m, dtype=float)
    h_ut = np.asarray(sc.h_ut_m if h_ut_m is None else h_ut_m, dtype=float)
    d2d = np.asarray(d2d_m, dtype=float)
    fc = np.asarray(fc_ghz, dtype=float)
    los_arr = np.asarray(los)
    if los_arr.dtype != np.bool_:
        raise ValueError(f"los must be True or False (or a bool array); got {los!r}")
    d3d = validate_link(sc, d2d, fc, los_arr, h_bs, h_ut)
    pl_los, pl_nlos = los_nlos_pathloss(sc, d2d, d3d, fc, h_bs, h_ut)
    result = np.where(los_arr, pl_los, pl_nlos)
    return float(result) if result.ndim == 0 else result
