"""Small physical helpers the device models share: local time, daily cycles, noise, air.

Noise here is never uniform: ``Wander`` is a first-order autoregressive (Ornstein-Uhlenbeck)
process, the usual model for a slowly wandering process variable with a known spread and
memory, so consecutive readings are correlated the way real ones are.
"""

from __future__ import annotations

import math
import random

import numpy as np

# Vietnam keeps UTC+7 all year (no daylight saving).
VIETNAM_UTC_OFFSET_HOURS = 7.0


def local_hour(now: float, offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> float:
    """Hour of the day (0 <= h < 24, fractional) at ``now`` epoch seconds."""
    return ((now / 3600.0) + offset_hours) % 24.0


def local_weekday(now: float, offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> int:
    """Day of the week, Monday = 0, at ``now`` epoch seconds (1970-01-01 was a Thursday)."""
    days = math.floor((now / 3600.0 + offset_hours) / 24.0)
    return (days + 3) % 7


def daily_cycle(hour: float, peak_hour: float) -> float:
    """A cosine over the day: +1 at ``peak_hour``, -1 twelve hours away."""
    return math.cos(2.0 * math.pi * (hour - peak_hour) / 24.0)


def rush_hours(hour: float, peaks: tuple[float, ...] = (7.5, 17.5), width: float = 1.2) -> float:
    """Traffic intensity 0..1: Gaussian bumps at the morning and evening rush hours."""
    nearest = min([abs(hour - peak) for peak in peaks])  # the nearer bump dominates
    return math.exp(-0.5 * (nearest / width) ** 2)


class NormalPool:
    """Standard normal numbers drawn in blocks: a fleet draws millions a minute.

    ``random.gauss`` is Python code; a block from NumPy's generator costs about as much as
    two of its calls and serves 64. The pool is seeded from the device's own generator, so
    a device's readings stay reproducible from its seed.
    """

    BLOCK = 64
    __slots__ = ("generator", "block")

    def __init__(self, rng: random.Random) -> None:
        self.generator = np.random.default_rng(rng.getrandbits(64))
        self.block: list[float] = []

    def __call__(self) -> float:
        block = self.block
        if not block:
            block = self.block = self.generator.standard_normal(self.BLOCK).tolist()
        return block.pop()


class Wander:
    """An Ornstein-Uhlenbeck process: mean 0, standard deviation ``sigma``, memory ``tau`` s."""

    # Thousands of devices hold several each: slots keep them small and quick to reach.
    __slots__ = ("normal", "sigma", "tau", "value", "_dt", "_keep", "_scale")

    def __init__(self, normal: NormalPool | random.Random, sigma: float, tau: float) -> None:
        self.normal = normal if isinstance(normal, NormalPool) else NormalPool(normal)
        self.sigma = sigma
        self.tau = tau
        self.value = sigma * self.normal()
        self._dt = -1.0
        self._keep = 1.0
        self._scale = 0.0

    def step(self, dt: float) -> float:
        if dt <= 0:
            return self.value
        if dt != self._dt:  # devices tick at a steady interval: compute the factors once
            self._dt = dt
            self._keep = math.exp(-dt / self.tau)
            self._scale = self.sigma * math.sqrt(1 - self._keep * self._keep)
        self.value = self._keep * self.value + self._scale * self.normal()
        return self.value


def saturation_vapour_pressure_hpa(celsius: float) -> float:
    """Magnus formula (Alduchov and Eskridge 1996), hPa over water."""
    return 6.1094 * math.exp(17.625 * celsius / (celsius + 243.04))


def relative_humidity(celsius: float, dew_point: float) -> float:
    """Relative humidity % from air temperature and dew point, capped at 100."""
    ratio = saturation_vapour_pressure_hpa(dew_point) / saturation_vapour_pressure_hpa(celsius)
    return min(100.0, 100.0 * ratio)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (spherical Earth)."""
    radius = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))
