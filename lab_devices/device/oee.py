"""Overall equipment effectiveness from a work unit's time and quantity counters.

The key performance indicators of ISO 22400-2:2014 (as its terms are laid out in the
HSU-AUT ontology of the standard, IndustrialStandard-ODP-ISO22400-2):

* PBT, planned busy time: operating time minus planned downtime;
* APT, actual production time: the time the work unit is producing (value-adding only);
* PRU, planned run time per unit (the ideal cycle time);
* PQ, produced quantity, and GQ, good quantity (the produced quantity that meets the
  quality requirements);
* Availability = APT / PBT; Effectiveness = PRU × PQ / APT; Quality ratio = GQ / PQ;
  OEE index = Availability × Effectiveness × Quality ratio.

Effectiveness is what OEE practice calls *performance*; the standard notes it can exceed
100 % when the unit runs faster than its planned cycle, so it is not clipped here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class OeeCounters:
    """The counters OEE is computed from (times in seconds, quantities in parts)."""

    planned_busy_s: float
    actual_production_s: float
    planned_run_time_per_unit_s: float
    produced_quantity: int
    good_quantity: int

    def __post_init__(self) -> None:
        for name in ("planned_busy_s", "actual_production_s", "planned_run_time_per_unit_s",
                     "produced_quantity", "good_quantity"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"OEE counters: {name} must be a finite number >= 0, not {value}")
        if self.planned_run_time_per_unit_s == 0:
            raise ValueError("OEE counters: planned_run_time_per_unit_s must be above 0")
        if self.actual_production_s > self.planned_busy_s + 1e-9:
            raise ValueError(
                f"OEE counters: actual_production_s ({self.actual_production_s}) exceeds "
                f"planned_busy_s ({self.planned_busy_s})")
        if self.good_quantity > self.produced_quantity:
            raise ValueError(
                f"OEE counters: good_quantity ({self.good_quantity}) exceeds "
                f"produced_quantity ({self.produced_quantity})")


@dataclass(frozen=True)
class Oee:
    availability: float
    effectiveness: float
    quality_ratio: float

    @property
    def oee(self) -> float:
        return self.availability * self.effectiveness * self.quality_ratio


def oee_of(counters: OeeCounters) -> Oee:
    """Availability, effectiveness and quality ratio of ISO 22400-2; 0 where undefined."""
    c = counters
    availability = c.actual_production_s / c.planned_busy_s if c.planned_busy_s else 0.0
    effectiveness = (c.planned_run_time_per_unit_s * c.produced_quantity / c.actual_production_s
                     if c.actual_production_s else 0.0)
    quality = c.good_quantity / c.produced_quantity if c.produced_quantity else 0.0
    return Oee(availability, effectiveness, quality)
