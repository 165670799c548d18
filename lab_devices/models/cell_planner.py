"""A small-cell planning console for one factory hall of the park.

The trainee places indoor small cells in a hall (``zone`` of the park layout) with
``place_cell {x_m, y_m, height_m, tx_power_dbm}``, moves or removes them, and asks for
``evaluate``. The coverage is computed from their own placement with the radio models:
a `RadioMap` of the hall alone (its TR 38.901 InF scenario, ``spacing_m`` grid), the
cells on the plan's carrier (n78, 100 MHz, 30 kHz), every cell loaded at ``cell_load``,
and the share of the hall's points with RSRP ≥ ``rsrp_min_dbm`` and SINR ≥
``sinr_min_db`` (`CoverageMap.coverage_share`). The lab's check reads ``target_met`` and
``coverage`` from the state, which are recomputed from the cells placed now.

Telemetry: ``cells`` (count) and ``coverage`` (% of the hall, the current placement).
Evidence: ``cell_placed``, ``cell_removed``, ``plan_evaluated`` (share, cells, target met).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from matplotlib.path import Path as PolygonPath
from pydantic import Field, model_validator

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import CommandError, Params, command
from lab_devices.radio import (
    CellSite,
    LayoutError,
    ParkLayout,
    RadioMap,
    coverage_map,
    get_scenario,
)
from lab_devices.radio.network import DEFAULT_LAYOUT, DEFAULT_RADIO_SEED, park_layout

DEFAULT_HALL = "Lắp ráp điện tử / electronics"
SMALL_CELL_FC_GHZ = 3.75  # VNPT C2 block 3700-3800 MHz, as the park (radio/bands.py)
SMALL_CELL_BANDWIDTH_MHZ = 100
MAX_SMALL_CELL_POWER_DBM = 24.0  # local-area BS class, TS 38.104 Table 6.2.1-1


class PlannerSettings(DeviceSettings):
    interval: float = Field(5.0, ge=0.1, le=3600)
    layout: str = Field(DEFAULT_LAYOUT, description="Bundled park layout.")
    radio_seed: int = Field(DEFAULT_RADIO_SEED, description="Seed of the park's fading.")
    zone: str = Field(DEFAULT_HALL, description="The hall to cover.")
    spacing_m: float = Field(2.0, ge=1, le=10, description="Coverage grid spacing.")
    target_share: float = Field(0.98, gt=0, le=1, description="Coverage target.")
    rsrp_min_dbm: float = Field(-100.0, ge=-130, le=-60)
    sinr_min_db: float = Field(0.0, ge=-10, le=30)
    cell_load: float = Field(0.5, ge=0, le=1, description="Busy share of every cell.")
    max_cells: int = Field(4, ge=1, le=12)

    @model_validator(mode="after")
    def _hall_of_the_park(self) -> PlannerSettings:
        try:
            layout = park_layout(self.layout)
        except LayoutError as exc:
            raise ValueError(f"layout: {exc}") from None
        names = [z.name for z in layout.zones]
        if self.zone not in names:
            raise ValueError(f"zone: no zone {self.zone!r}; zones: {', '.join(names)}")
        return self


@lru_cache(maxsize=8)
def hall_radio(layout: str, zone: str, spacing_m: float, seed: int) -> RadioMap:
    """A RadioMap of one hall alone: its polygon is the whole map."""
    park = park_layout(layout)
    hall = park.zone(zone)
    only_hall = ParkLayout(name=f"{park.name}: {zone}", boundary=hall.polygon, zones=(hall,),
                           outdoor_scenario=park.outdoor_scenario, ue_height_m=park.ue_height_m)
    return RadioMap(only_hall, spacing_m=spacing_m, seed=seed)


class PlaceCell(Params):
    x_m: float
    y_m: float
    height_m: float
    tx_power_dbm: float
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9-]{1,16}$")


class CellName(Params):
    name: str = Field(min_length=1, max_length=16)


class SmallCellPlanner(Device):
    """Small-cell placement in one hall, scored by the radio models."""

    model = "small_cell_planner"
    description = "Small-cell planning console for a factory hall"
    units = {"cells": "", "coverage": "%"}
    precision = {"coverage": 1}
    Settings = PlannerSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s: PlannerSettings = self.settings  # type: ignore[assignment]
        self.radio = hall_radio(s.layout, s.zone, s.spacing_m, s.radio_seed)
        self.hall = self.radio.layout.zones[0]
        self.placed: dict[str, CellSite] = {}
        self._shares: dict[tuple[CellSite, ...], float] = {}

    def coverage(self) -> float:
        """Share (0-1) of the hall covered by the cells placed now."""
        cells = tuple(self.placed.values())
        if not cells:
            return 0.0
        if cells not in self._shares:
            s: PlannerSettings = self.settings  # type: ignore[assignment]
            cover = coverage_map(self.radio, cells, activity=s.cell_load)
            self._shares[cells] = cover.coverage_share(rsrp_min_dbm=s.rsrp_min_dbm,
                                                       sinr_min_db=s.sinr_min_db)
        return self._shares[cells]

    def target_met(self) -> bool:
        return self.coverage() >= self.settings.target_share  # type: ignore[attr-defined]

    def measure(self, now: float, dt: float) -> dict[str, float]:
        return {"cells": len(self.placed), "coverage": 100.0 * self.coverage()}

    def _check_cell(self, params: PlaceCell) -> None:
        if not PolygonPath(self.hall.polygon).contains_point((params.x_m, params.y_m)):
            xs = [p[0] for p in self.hall.polygon]
            ys = [p[1] for p in self.hall.polygon]
            raise CommandError(f"place_cell: ({params.x_m}, {params.y_m}) is not inside the "
                               f"hall (x {min(xs):g}-{max(xs):g} m, y {min(ys):g}-{max(ys):g} m)")
        height = get_scenario(self.hall.scenario).h_bs_range
        if not height.low <= params.height_m <= height.high:
            raise CommandError(f"place_cell: height_m {params.height_m} is outside "
                               f"{height.low:g}-{height.high:g} m ({self.hall.scenario})")
        if not 0 <= params.tx_power_dbm <= MAX_SMALL_CELL_POWER_DBM:
            raise CommandError(f"place_cell: tx_power_dbm {params.tx_power_dbm} is outside "
                               f"0-{MAX_SMALL_CELL_POWER_DBM:g} dBm (local-area class)")

    @command("Place (or move, by name) a small cell in the hall.", PlaceCell)
    def cmd_place_cell(self, params: PlaceCell) -> dict[str, Any]:
        self._check_cell(params)
        name = params.name or _free_name(self.placed)
        limit = self.settings.max_cells  # type: ignore[attr-defined]
        if name not in self.placed and len(self.placed) >= limit:
            raise CommandError(f"place_cell: the plan may hold {limit} cells; remove one first")
        cell = CellSite(name=name, x_m=params.x_m, y_m=params.y_m, height_m=params.height_m,
                        tx_power_dbm=params.tx_power_dbm, fc_ghz=SMALL_CELL_FC_GHZ,
                        bandwidth_mhz=SMALL_CELL_BANDWIDTH_MHZ, zone=self.hall.name)
        try:
            self.radio.rsrp_grid(cell)
        except LayoutError as exc:  # e.g. below the clutter of a high-BS hall
            raise CommandError(f"place_cell: {exc}") from None
        self.placed[name] = cell
        self.record("cell_placed", {"name": name, "x_m": params.x_m, "y_m": params.y_m,
                                    "height_m": params.height_m,
                                    "tx_power_dbm": params.tx_power_dbm})
        return {"name": name, "cells": len(self.placed)}

    @command("Remove a placed cell by name.", CellName)
    def cmd_remove_cell(self, params: CellName) -> dict[str, Any]:
        if params.name not in self.placed:
            placed = ", ".join(self.placed) or "none"
            raise CommandError(f"remove_cell: no cell {params.name!r}; placed: {placed}")
        del self.placed[params.name]
        self.record("cell_removed", {"name": params.name})
        return {"cells": len(self.placed)}

    @command("Compute the hall's coverage with the cells placed now.")
    def cmd_evaluate(self, params: Params) -> dict[str, Any]:
        s: PlannerSettings = self.settings  # type: ignore[assignment]
        share = self.coverage()
        met = share >= s.target_share
        self.record("plan_evaluated", {"share": round(share, 4), "cells": len(self.placed),
                                       "target_met": met})
        return {"coverage": round(share, 4), "target": s.target_share, "target_met": met,
                "cells": [{"name": c.name, "x_m": c.x_m, "y_m": c.y_m, "height_m": c.height_m,
                           "tx_power_dbm": c.tx_power_dbm} for c in self.placed.values()]}

    def meta(self) -> dict[str, Any]:
        s: PlannerSettings = self.settings  # type: ignore[assignment]
        return {**super().meta(), "hall": {"name": self.hall.name, "scenario": self.hall.scenario,
                                           "polygon": [list(p) for p in self.hall.polygon]},
                "target": {"share": s.target_share, "rsrp_min_dbm": s.rsrp_min_dbm,
                           "sinr_min_db": s.sinr_min_db, "max_cells": s.max_cells}}

    def extra_state(self) -> dict[str, Any]:
        share = self.coverage()
        return {"coverage": share, "target_met": share >= self.settings.target_share,  # type: ignore[attr-defined]
                "cells_placed": len(self.placed)}


def _free_name(placed: dict[str, CellSite]) -> str:
    k = 1
    while f"SC-{k}" in placed:
        k += 1
    return f"SC-{k}"
