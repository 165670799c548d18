"""Park layouts and cell sites, read from YAML with errors that name the file and field.

A layout is a park boundary and zones (factory halls, warehouses …) in local metres east
(x) and north (y) of an origin. Each zone has the TR 38.901 scenario that holds inside it
and the wall it has for signals from outside (the O2I low- or high-loss model of §7.4.3).
Outside every zone the park's outdoor scenario holds. Cells are listed with the layout
or given separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .nr import frequency_range, n_prb
from .scenarios import SCENARIOS, InfClutter, get_scenario

DATA_DIR = Path(__file__).parent / "data"
OUTDOOR_SCENARIOS = ("UMi", "UMa", "RMa")
WALLS = ("low-loss", "high-loss")


class LayoutError(ValueError):
    """A layout or cell description that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Zone:
    """A building or area with its own propagation scenario."""

    name: str
    scenario: str
    polygon: tuple[tuple[float, float], ...]
    wall: str = "high-loss"
    clutter: InfClutter | None = None  # None: the scenario's Table 7.2-4 defaults


@dataclass(frozen=True)
class CellSite:
    """One gNB cell: where it is, how it radiates, on which carrier."""

    name: str
    x_m: float
    y_m: float
    height_m: float
    tx_power_dbm: float
    fc_ghz: float
    bandwidth_mhz: int
    scs_khz: int = 30
    azimuth_deg: float | None = None  # None: omnidirectional small cell
    tilt_deg: float = 0.0
    gain_dbi: float | None = None  # default 8 dBi sector (Table 7.3-1), 3 dBi omni
    zone: str | None = None  # the zone the cell stands in; None: outdoors
    scenario: str | None = None  # outdoor scenario for this site; None: the park's
    layers: int = 2

    @property
    def n_rb(self) -> int:
        return n_prb(self.bandwidth_mhz, self.scs_khz, self.fc_ghz)

    @property
    def band(self) -> str:
        return frequency_range(self.fc_ghz)

    @property
    def max_gain_dbi(self) -> float:
        if self.gain_dbi is not None:
            return self.gain_dbi
        return 3.0 if self.azimuth_deg is None else 8.0

    def with_changes(self, **changes: Any) -> CellSite:
        """A copy with some fields changed (a wrong tilt, a power cut …)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class ParkLayout:
    """An industrial park: boundary, zones, the outdoor scenario, and its cells."""

    name: str
    boundary: tuple[tuple[float, float], ...]
    zones: tuple[Zone, ...] = ()
    outdoor_scenario: str = "UMi"
    ue_height_m: float = 1.5
    note: str = ""
    cells: tuple[CellSite, ...] = field(default=())

    def zone(self, name: str) -> Zone:
        for zone in self.zones:
            if zone.name == name:
                return zone
        raise LayoutError(f"no zone named {name!r} in layout {self.name!r}")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.boundary]
        ys = [p[1] for p in self.boundary]
        return min(xs), min(ys), max(xs), max(ys)


def _need(data: dict, key: str, where: str) -> Any:
    if not isinstance(data, dict):
        raise LayoutError(f"{where}: expected a mapping, got {type(data).__name__}")
    if key not in data:
        raise LayoutError(f"{where}: missing field {key!r}")
    return data[key]


def _number(value: Any, where: str, *, low: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LayoutError(f"{where}: expected a number, got {value!r}")
    if low is not None and value < low:
        raise LayoutError(f"{where}: must be ≥ {low:g}, got {value!r}")
    return float(value)


def _polygon(value: Any, where: str) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, list) or len(value) < 3:
        raise LayoutError(f"{where}: expected a list of at least 3 [x, y] points")
    points = []
    for i, point in enumerate(value):
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise LayoutError(f"{where}[{i}]: expected [x, y], got {point!r}")
        points.append((_number(point[0], f"{where}[{i}]"), _number(point[1], f"{where}[{i}]")))
    return tuple(points)


def _zone(data: dict, where: str) -> Zone:
    scenario = _need(data, "scenario", where)
    if scenario not in SCENARIOS or not get_scenario(scenario).indoor:
        indoor = [name for name, sc in SCENARIOS.items() if sc.indoor]
        raise LayoutError(f"{where}.scenario: {scenario!r} is not one of {indoor}")
    wall = data.get("wall", "high-loss")
    if wall not in WALLS:
        raise LayoutError(f"{where}.wall: {wall!r} is not one of {list(WALLS)}")
    clutter = None
    if "clutter" in data:
        c = data["clutter"]
        density = _number(_need(c, "density", f"{where}.clutter"), f"{where}.clutter.density")
        if not 0.0 < density < 1.0:
            raise LayoutError(f"{where}.clutter.density: must be in (0, 1), got {density}")
        clutter = InfClutter(
            density,
            _number(_need(c, "size_m", f"{where}.clutter"), f"{where}.clutter.size_m", low=0.1),
            _number(_need(c, "height_m", f"{where}.clutter"), f"{where}.clutter.height_m", low=0),
        )
    return Zone(
        name=str(_need(data, "name", where)),
        scenario=scenario,
        polygon=_polygon(_need(data, "polygon", where), f"{where}.polygon"),
        wall=wall,
        clutter=clutter,
    )


_CELL_NUMBERS = ("x_m", "y_m", "height_m", "tx_power_dbm", "fc_ghz")


def cell_from_dict(data: dict, where: str = "cell") -> CellSite:
    """Build a CellSite from a mapping, checking each field."""
    values: dict[str, Any] = {"name": str(_need(data, "name", where))}
    unknown = set(data) - set(CellSite.__dataclass_fields__)
    if unknown:
        raise LayoutError(f"{where}: unknown field(s) {sorted(unknown)}")
    for key in _CELL_NUMBERS:
        values[key] = _number(_need(data, key, where), f"{where}.{key}")
    values["bandwidth_mhz"] = int(
        _number(_need(data, "bandwidth_mhz", where), f"{where}.bandwidth_mhz")
    )
    for key in ("scs_khz", "layers"):
        if key in data:
            values[key] = int(_number(data[key], f"{where}.{key}", low=1))
    for key in ("azimuth_deg", "gain_dbi", "tilt_deg"):
        if data.get(key) is not None:
            values[key] = _number(data[key], f"{where}.{key}")
    for key in ("zone", "scenario"):
        if data.get(key) is not None:
            values[key] = str(data[key])
    cell = CellSite(**values)
    if cell.scenario is not None and cell.scenario not in OUTDOOR_SCENARIOS:
        raise LayoutError(f"{where}.scenario: {cell.scenario!r} is not one of {OUTDOOR_SCENARIOS}")
    try:
        cell.n_rb  # noqa: B018 - checks the carrier against TS 38.101
    except ValueError as exc:
        raise LayoutError(f"{where}: {exc}") from None
    return cell


def layout_from_dict(data: dict, where: str = "layout") -> ParkLayout:
    """Build and check a ParkLayout from a mapping (the parsed YAML)."""
    outdoor = data.get("outdoor_scenario", "UMi") if isinstance(data, dict) else None
    if outdoor not in OUTDOOR_SCENARIOS:
        raise LayoutError(
            f"{where}.outdoor_scenario: {outdoor!r} is not one of {OUTDOOR_SCENARIOS}"
        )
    zones = tuple(_zone(z, f"{where}.zones[{i}]") for i, z in enumerate(data.get("zones") or []))
    cells = tuple(
        cell_from_dict(c, f"{where}.cells[{i}]") for i, c in enumerate(data.get("cells") or [])
    )
    layout = ParkLayout(
        name=str(_need(data, "name", where)),
        boundary=_polygon(_need(data, "boundary", where), f"{where}.boundary"),
        zones=zones,
        outdoor_scenario=outdoor,
        ue_height_m=_number(data.get("ue_height_m", 1.5), f"{where}.ue_height_m", low=0.5),
        note=str(data.get("note", "")),
        cells=cells,
    )
    names = [z.name for z in zones]
    for i, cell in enumerate(cells):
        if cell.zone is not None and cell.zone not in names:
            raise LayoutError(f"{where}.cells[{i}].zone: {cell.zone!r} is not a zone of the layout")
    return layout


def load_layout(path: str | Path) -> ParkLayout:
    """Read a layout YAML file; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LayoutError(f"{path}: not valid YAML: {exc}") from None
    try:
        return layout_from_dict(data)
    except LayoutError as exc:
        raise LayoutError(f"{path}: {exc}") from None


def bundled_layout(name: str = "kcn_sa_dec") -> ParkLayout:
    """A layout shipped in lab_devices/radio/data (illustrative, invented coordinates)."""
    path = DATA_DIR / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in DATA_DIR.glob("*.yaml"))
        raise LayoutError(f"no bundled layout {name!r}; known: {known}")
    return load_layout(path)
