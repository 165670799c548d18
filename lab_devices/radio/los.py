"""LOS probability of 3GPP TR 38.901 V17.0.0, Table 7.4.2-1.

The InF formulas use the hall's clutter (density r, size d_clutter, height h_c) from
Table 7.2-4; a zone of a park layout may override them.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .scenarios import InfClutter, Scenario, get_scenario


def inf_k_subsce_m(name: str, clutter: InfClutter, h_bs_m: float, h_ut_m: float) -> float:
    """k_subsce of Table 7.4.2-1: the distance over which InF LOS probability falls by 1/e."""
    base = -clutter.size_m / math.log(1.0 - clutter.density)
    if name in ("InF-SL", "InF-DL"):
        return base
    if not h_bs_m > clutter.height_m > h_ut_m:
        raise ValueError(
            f"{name} LOS probability needs h_ut_m < clutter height h_c < h_bs_m "
            f"(Table 7.4.2-1); got h_ut_m={h_ut_m:g}, h_c={clutter.height_m:g}, "
            f"h_bs_m={h_bs_m:g}"
        )
    return base * (h_bs_m - h_ut_m) / (clutter.height_m - h_ut_m)


def _outdoor(name: str, d2d, h_ut) -> NDArray[np.floating]:
    if name == "RMa":
        return np.where(d2d <= 10.0, 1.0, np.exp(-(d2d - 10.0) / 1000.0))
    safe = np.maximum(d2d, 18.0)  # the formulas hold beyond 18 m; 1 below
    if name == "UMi":
        far = 18.0 / safe + np.exp(-safe / 36.0) * (1.0 - 18.0 / safe)
        return np.where(d2d <= 18.0, 1.0, far)
    c_ut = np.where(h_ut <= 13.0, 0.0, (np.maximum(h_ut - 13.0, 0.0) / 10.0) ** 1.5)
    far = (18.0 / safe + np.exp(-safe / 63.0) * (1.0 - 18.0 / safe)) * (
        1.0 + c_ut * 1.25 * (safe / 100.0) ** 3 * np.exp(-safe / 150.0)
    )
    return np.where(d2d <= 18.0, 1.0, far)


def _inh_mixed_office(d2d) -> NDArray[np.floating]:
    """InH-Mixed office: 1 up to 1.2 m, exp(-(d - 1.2)/4.7) to 6.5 m, then
    0.32 exp(-(d - 6.5)/32.6) (Table 7.4.2-1)."""
    near = np.exp(-(d2d - 1.2) / 4.7)
    far = 0.32 * np.exp(-(d2d - 6.5) / 32.6)
    return np.where(d2d <= 1.2, 1.0, np.where(d2d < 6.5, near, far)).astype(d2d.dtype)


def los_probability_for(
    scenario: Scenario,
    d2d_m,
    *,
    h_bs_m: float,
    h_ut_m: float,
    clutter: InfClutter | None = None,
) -> NDArray[np.floating]:
    """Unchecked, vectorised Table 7.4.2-1 for a resolved scenario (keeps float32)."""
    d2d = np.asarray(d2d_m)
    if scenario.name == "InH-Office":
        return _inh_mixed_office(d2d)
    if scenario.indoor:
        hall = clutter or scenario.clutter
        assert hall is not None  # every indoor scenario has Table 7.2-4 clutter
        k = inf_k_subsce_m(scenario.name, hall, h_bs_m, h_ut_m)
        return np.exp(-d2d / np.float32(k)) if d2d.dtype == np.float32 else np.exp(-d2d / k)
    return _outdoor(scenario.name, d2d, np.asarray(h_ut_m))


def los_probability(
    scenario: str,
    *,
    d2d_m: ArrayLike,
    h_bs_m: float | None = None,
    h_ut_m: float | None = None,
) -> float | NDArray[np.floating]:
    """Probability that a link of 2D length `d2d_m` is LOS (Table 7.4.2-1)."""
    sc = get_scenario(scenario)
    d2d = np.asarray(d2d_m, dtype=float)
    if np.any(~(d2d >= 0)):
        raise ValueError(f"d2d_m must be ≥ 0 m; got {float(np.min(d2d)):g}")
    h_bs = sc.h_bs_m if h_bs_m is None else float(h_bs_m)
    h_ut = sc.h_ut_m if h_ut_m is None else float(h_ut_m)
    result = los_probability_for(sc, d2d, h_bs_m=h_bs, h_ut_m=h_ut)
    return float(result) if np.ndim(result) == 0 else result
