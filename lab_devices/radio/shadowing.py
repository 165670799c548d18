"""Spatially correlated random fields: shadow fading and the LOS state.

Shadow fading is log-normal: a Gaussian in dB with the σ of TR 38.901 V17.0.0 Table
7.4.1-1, whose autocorrelation falls as exp(-Δd / d_cor) (Gudmundson's exponential
model, the one TR 38.901 §7.5 and §7.6.3.1 assume) with the decorrelation distance of
Table 7.5-6. The LOS state follows §7.6.3.3: a spatially consistent uniform variable
compared with the LOS probability, correlated over the distance of Table 7.6.3.1-2.

Fields are made on a grid by filtering white noise in the frequency domain: the
periodised covariance on a padded torus is transformed once (cached), its square root
shapes the spectrum of the noise, and the grid is cut out of the result. Padding by four
correlation distances keeps the wrap-around correlation below e^-4 ≈ 0.02.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from .scenarios import Scenario, get_scenario

F32 = NDArray[np.float32]


def _fast_fft_length(n: int) -> int:
    """Smallest 2^a 3^b 5^c ≥ n, a size numpy's FFT handles quickly."""
    best = 1 << max(n - 1, 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


@lru_cache(maxsize=64)
def _sqrt_spectrum(ny: int, nx: int, spacing_m: float, corr_m: float) -> F32:
    iy = np.arange(ny)
    ix = np.arange(nx)
    dy = np.minimum(iy, ny - iy) * spacing_m
    dx = np.minimum(ix, nx - ix) * spacing_m
    distance = np.hypot(dy[:, None], dx[None, :])
    covariance = np.exp(-distance / corr_m)
    spectrum = np.fft.rfft2(covariance).real
    # the periodised exponential is not exactly positive definite: drop the tiny negatives
    return np.sqrt(np.clip(spectrum, 0.0, None)).astype(np.float32)


def gaussian_fields(
    shape: tuple[int, int], spacing_m: float, corr_m: float, rng: np.random.Generator, count: int
) -> F32:
    """`count` independent unit-variance fields of `shape`, correlated as exp(-d/corr_m)."""
    if spacing_m <= 0 or corr_m <= 0:
        raise ValueError(f"spacing_m and corr_m must be > 0; got {spacing_m}, {corr_m}")
    ny, nx = shape
    pad = math.ceil(4.0 * corr_m / spacing_m)
    py, px = _fast_fft_length(ny + pad), _fast_fft_length(nx + pad)
    noise = rng.standard_normal((count, py, px), dtype=np.float32)
    shaped = np.fft.rfft2(noise) * _sqrt_spectrum(py, px, float(spacing_m), float(corr_m))
    return np.fft.irfft2(shaped, s=(py, px))[:, :ny, :nx].astype(np.float32)


def normal_cdf(x: NDArray) -> NDArray:
    """Φ(x) through Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), vectorised, no SciPy."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


def shadow_sigma_db(scenario: Scenario, los, beyond_breakpoint=False):
    """σ_SF in dB (Table 7.4.1-1); RMa LOS has 4 dB before its breakpoint and 6 dB after."""
    sigma_los: float | np.ndarray = scenario.sigma_sf_los_db
    if scenario.name == "RMa":
        sigma_los = np.where(beyond_breakpoint, 6.0, 4.0)
    return np.where(los, sigma_los, scenario.sigma_sf_nlos_db)


def shadow_fading_db(
    scenario: str, shape: tuple[int, int], spacing_m: float, *, los: bool, seed: int
) -> F32:
    """A grid of shadow fading in dB for one scenario and LOS state, reproducible from `seed`.

    σ from Table 7.4.1-1 (RMa LOS: the 4 dB before the breakpoint), decorrelation distance
    from Table 7.5-6.
    """
    sc = get_scenario(scenario)
    corr = sc.sf_corr_los_m if los else sc.sf_corr_nlos_m
    sigma = float(shadow_sigma_db(sc, los))
    field = gaussian_fields(shape, spacing_m, corr, np.random.default_rng(seed), 1)[0]
    return (sigma * field).astype(np.float32)
