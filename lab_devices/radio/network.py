"""The radio world the 5G devices of one lab share: the park's cells as they are now.

The radio models (`lab_devices.radio`) compute what a cell plan gives; this module holds
what a lab changes about that plan while it runs, so that what a trainee does to a gNB
shows on the modems of the same lab:

- `shared_radio_map(layout, seed, spacing_m)`: one `RadioMap` per park, seed and grid
  for the whole process. Its per-cell grids are cached by the cell's description, so the
  labs of every trainee share the grids of the cells they have not changed.
- `RadioNetwork`: one per (trainee, lab). Each cell of the layout has its live
  configuration (tilt, power, carrier), whether it is on the air, its load and the noise
  rise of an interferer near it. gNB devices write it; UE devices read it and post where
  they are and what they ask for.
- `network_for(trainee, lab, started_at, layout, seed, spacing_m)`: the network of one
  run of a lab, created on first use and dropped with the run's devices (a weak
  registry); a lab started again starts from the plan.
- `Route`: a closed route of waypoints in park metres, walked at a speed, with dwells.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lab_devices.radio import CellSite, ParkLayout, RadioMap, UeDemand, bundled_layout

DEFAULT_LAYOUT = "kcn_sa_dec"
DEFAULT_RADIO_SEED = 7
DEFAULT_SPACING_M = 5.0
CONFIGURABLE = ("tilt_deg", "tx_power_dbm", "fc_ghz")


@lru_cache(maxsize=8)
def park_layout(name: str = DEFAULT_LAYOUT) -> ParkLayout:
    """A bundled park layout, read once per process."""
    return bundled_layout(name)


@lru_cache(maxsize=4)
def shared_radio_map(layout: str = DEFAULT_LAYOUT, seed: int = DEFAULT_RADIO_SEED,
                     spacing_m: float = DEFAULT_SPACING_M) -> RadioMap:
    """One RadioMap per (layout, seed, spacing) for the whole process."""
    return RadioMap(park_layout(layout), spacing_m=spacing_m, seed=seed)


def cell_names(layout: str = DEFAULT_LAYOUT) -> list[str]:
    return [cell.name for cell in park_layout(layout).cells]


@dataclass
class RadioNetwork:
    """The live state of a park's cells in one lab run."""

    radio: RadioMap
    changes: dict[str, dict[str, float]] = field(default_factory=dict)
    off_air: set[str] = field(default_factory=set)
    load: dict[str, float] = field(default_factory=dict)
    noise_rise_db: dict[str, float] = field(default_factory=dict)
    ues: dict[str, UeDemand] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.planned = {cell.name: cell for cell in self.radio.layout.cells}

    def planned_cell(self, name: str) -> CellSite:
        cell = self.planned.get(name)
        if cell is None:
            raise KeyError(f"no cell {name!r} in {self.radio.layout.name!r}; "
                           f"cells: {', '.join(self.planned)}")
        return cell

    def cell(self, name: str) -> CellSite:
        """The cell as it is configured now (on the air or not)."""
        return self.planned_cell(name).with_changes(**self.changes.get(name, {}))

    def configure(self, name: str, **changes: float) -> None:
        """Change a cell's tilt, power or carrier; a value equal to the plan's clears it."""
        planned = self.planned_cell(name)
        current = self.changes.setdefault(name, {})
        for key, value in changes.items():
            if key not in CONFIGURABLE:
                raise KeyError(f"{key!r} is not configurable; configurable: {CONFIGURABLE}")
            if value == getattr(planned, key):
                current.pop(key, None)
            else:
                current[key] = value

    def set_on_air(self, name: str, on_air: bool) -> None:
        self.planned_cell(name)
        if on_air:
            self.off_air.discard(name)
        else:
            self.off_air.add(name)

    def live_cells(self) -> list[CellSite]:
        """The cells on the air, as configured now."""
        return [self.cell(name) for name in self.planned if name not in self.off_air]

    def activity(self, default: float) -> dict[str, float]:
        """Each cell's share of busy REs: what its gNB reports, else `default`."""
        return {name: self.load.get(name, default) for name in self.planned}

    def faults_of(self, name: str) -> dict[str, Any]:
        """What is wrong with a cell against the plan: outage and changed settings."""
        wrong: dict[str, Any] = dict(self.changes.get(name, {}))
        if name in self.off_air:
            wrong["outage"] = True
        return wrong


_NETWORKS: weakref.WeakValueDictionary[tuple, RadioNetwork] = weakref.WeakValueDictionary()


def network_for(trainee: str, lab: str, started_at: float = 0.0,
                layout: str = DEFAULT_LAYOUT, seed: int = DEFAULT_RADIO_SEED,
                spacing_m: float = DEFAULT_SPACING_M) -> RadioNetwork:
    """The network of one lab run; devices keep it alive by holding it.

    A device made outside a lab (no trainee and no lab, as in a unit test) gets a network
    of its own, so that tests never see each other's changes.
    """
    radio = shared_radio_map(layout, seed, spacing_m)
    if not trainee and not lab:
        return RadioNetwork(radio)
    # the run's start time is in the key: a stopped run's devices may outlive it until
    # the garbage collector meets them, and a new run must not inherit their changes
    key = (trainee, lab, started_at, layout, seed, spacing_m)
    network = _NETWORKS.get(key)
    if network is None:
        network = RadioNetwork(radio)
        _NETWORKS[key] = network
    return network


@dataclass(frozen=True)
class Waypoint:
    x_m: float
    y_m: float
    dwell_s: float = 0.0


class Route:
    """A closed route: the last waypoint leads back to the first."""

    def __init__(self, waypoints: Sequence[Waypoint]) -> None:
        if len(waypoints) < 2:
            raise ValueError("a route needs at least 2 waypoints")
        self.waypoints = list(waypoints)
        ends = self.waypoints[1:] + self.waypoints[:1]
        self.lengths = [max(math.hypot(b.x_m - a.x_m, b.y_m - a.y_m), 1e-6)
                        for a, b in zip(self.waypoints, ends, strict=True)]
        self.total_m = sum(self.lengths)

    def point(self, leg: int, along_m: float) -> tuple[float, float]:
        a = self.waypoints[leg]
        b = self.waypoints[(leg + 1) % len(self.waypoints)]
        share = min(along_m / self.lengths[leg], 1.0)
        return a.x_m + (b.x_m - a.x_m) * share, a.y_m + (b.y_m - a.y_m) * share

    def samples(self, step_m: float) -> list[tuple[float, float]]:
        """Points every `step_m` metres along the whole loop, starting at waypoint 0."""
        points: list[tuple[float, float]] = []
        for leg, length in enumerate(self.lengths):
            n = max(1, int(length // step_m))
            points.extend(self.point(leg, length * k / n) for k in range(n))
        return points


def distance_to_polyline(x: float, y: float, points: Sequence[tuple[float, float]]) -> float:
    """Shortest distance from (x, y) to a chain of points (one point: to that point)."""
    if len(points) == 1:
        return math.hypot(x - points[0][0], y - points[0][1])
    best = math.inf
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        ex, ey = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * ex + (y - ay) * ey) / max(ex * ex + ey * ey, 1e-12)))
        best = min(best, math.hypot(x - ax - t * ex, y - ay - t * ey))
    return best


def longest_run(points: list[tuple[float, float]], flags: list[bool]
                ) -> list[tuple[float, float]] | None:
    """The points of the longest run of True flags on a closed loop, or None."""
    n = len(flags)
    if not any(flags):
        return None
    if all(flags):
        return list(points)
    start = next(i for i in range(n) if not flags[i])  # begin after a gap: runs never wrap
    best: list[int] = []
    run: list[int] = []
    for k in range(1, n + 1):
        i = (start + k) % n
        if flags[i]:
            run.append(i)
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    return [points[i] for i in best]
