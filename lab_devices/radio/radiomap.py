"""Received power of every cell over a park, on a grid, with spatially consistent fading.

A `RadioMap` binds a layout, a grid spacing and a seed. For each cell it computes, once
and cached, the RSRP (dBm) at every grid point:

- the link's scenario: the zone's InF scenario when the cell stands in the same zone as
  the point, otherwise the cell's outdoor scenario (UMi/UMa/RMa), plus the O2I entry
  loss of each wall the link crosses (`penetration`);
- the LOS state from a spatially consistent uniform variable (§7.6.3.3) against the LOS
  probability, and shadow fading with the σ and decorrelation distance of the state;
- the antenna gain (`antenna`) and the power per RE (`kpi.epre_dbm`).

Distances shorter than a model's minimum (10 m outdoors, 1 m d3D indoors) take the
minimum's value. Each cell draws its fields from its own seed, derived from the map's
seed and the cell's name, so changing one cell (tilt, power, outage) leaves the fading of
the others as it was. `rsrp_at` interpolates the grids bilinearly for a moving UE.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from matplotlib.path import Path as PolygonPath

from .antenna import sector_gain_db
from .kpi import epre_dbm
from .layout import CellSite, LayoutError, ParkLayout
from .los import los_probability_for
from .pathloss import breakpoint_rma_m, los_nlos_pathloss
from .penetration import INDOOR_LOSS_DB_PER_M, MAX_INDOOR_DISTANCE_M, wall_loss_db
from .scenarios import Scenario, get_scenario
from .shadowing import F32, gaussian_fields, normal_cdf, shadow_sigma_db

MAX_CACHED_GRIDS = 256


@dataclass(frozen=True)
class Grid:
    """Regular points x0 + i·spacing (east), y0 + j·spacing (north); arrays are [j, i]."""

    x0: float
    y0: float
    spacing_m: float
    nx: int
    ny: int

    @classmethod
    def covering(cls, layout: ParkLayout, spacing_m: float) -> Grid:
        if not spacing_m > 0:
            raise ValueError(f"spacing_m must be > 0; got {spacing_m!r}")
        xmin, ymin, xmax, ymax = layout.bounds
        nx = int(round((xmax - xmin) / spacing_m)) + 1
        ny = int(round((ymax - ymin) / spacing_m)) + 1
        return cls(xmin, ymin, float(spacing_m), nx, ny)

    @property
    def shape(self) -> tuple[int, int]:
        return self.ny, self.nx

    @property
    def xs(self) -> F32:
        return (self.x0 + self.spacing_m * np.arange(self.nx)).astype(np.float32)

    @property
    def ys(self) -> F32:
        return (self.y0 + self.spacing_m * np.arange(self.ny)).astype(np.float32)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        half = self.spacing_m / 2
        x1 = self.x0 + self.spacing_m * (self.nx - 1)
        y1 = self.y0 + self.spacing_m * (self.ny - 1)
        return self.x0 - half, x1 + half, self.y0 - half, y1 + half


def _depth_behind_walls(polygon, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Distance from each point to the polygon's nearest edge (point-to-segment)."""
    depth = np.full((ys.size, xs.size), np.inf, dtype=np.float32)
    px, py = xs[None, :], ys[:, None]
    for (ax, ay), (bx, by) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        ex, ey = bx - ax, by - ay
        t = np.clip(((px - ax) * ex + (py - ay) * ey) / max(ex * ex + ey * ey, 1e-9), 0, 1)
        depth = np.minimum(depth, np.hypot(px - ax - t * ex, py - ay - t * ey))
    return depth


class RadioMap:
    """Per-cell RSRP grids of one park, reproducible from a seed."""

    def __init__(
        self, layout: ParkLayout, *, spacing_m: float = 5.0, seed: int = 0, shadowing: bool = True
    ) -> None:
        self.layout = layout
        self.grid = Grid.covering(layout, spacing_m)
        self.seed = seed
        self.shadowing = shadowing
        xs, ys = self.grid.xs, self.grid.ys
        self._x, self._y = np.meshgrid(xs, ys)
        points = np.column_stack([self._x.ravel(), self._y.ravel()])
        self.in_park = PolygonPath(layout.boundary).contains_points(points).reshape(self.grid.shape)
        self.zone_index = np.full(self.grid.shape, -1, dtype=np.int16)
        self.indoor_depth_m = np.zeros(self.grid.shape, dtype=np.float32)
        for k, zone in enumerate(layout.zones):
            inside = PolygonPath(zone.polygon).contains_points(points).reshape(self.grid.shape)
            self.zone_index[inside] = k
            depth = _depth_behind_walls(zone.polygon, xs, ys)
            self.indoor_depth_m[inside] = np.minimum(depth[inside], MAX_INDOOR_DISTANCE_M)
        self._rsrp: OrderedDict[CellSite, F32] = OrderedDict()
        self._fields: dict[tuple[str, str, float], F32] = {}

    # ---- random fields -------------------------------------------------------------
    def _site_name(self, cell: CellSite) -> str:
        """The name the random fields of a cell's links are drawn under.

        Sectors of one site (same place and height) share the large-scale parameters of
        their links, shadow fading and LOS state (TR 38.901 §7.5 step 4 and §7.6.3 draw
        them per BS-UT link, i.e. per site): they use the fields of the site's first
        sector in the layout. Other cells use their own name.
        """
        for other in self.layout.cells:
            if (other.azimuth_deg is not None and cell.azimuth_deg is not None
                    and (other.x_m, other.y_m, other.height_m)
                    == (cell.x_m, cell.y_m, cell.height_m)):
                return other.name
        return cell.name

    def _field(self, cell: CellSite, purpose: str, corr_m: float) -> F32:
        site = self._site_name(cell)
        key = (site, purpose, corr_m)
        if key not in self._fields:
            entropy = [self.seed, zlib.crc32(site.encode()), zlib.crc32(purpose.encode())]
            rng = np.random.default_rng(entropy)
            self._fields[key] = gaussian_fields(
                self.grid.shape, self.grid.spacing_m, corr_m, rng, 1
            )[0]
        return self._fields[key]

    # ---- one link class ------------------------------------------------------------
    def _scenario_loss(self, cell: CellSite, sc: Scenario, d2d: F32, purpose: str, zone_k: int):
        h_ut = self.layout.ue_height_m
        dh = np.float32(cell.height_m - h_ut)
        valid = sc.distance_range
        if sc.indoor:
            d3d = np.clip(np.sqrt(d2d * d2d + dh * dh), valid.low, valid.high)
            d2d_model = d2d
        else:
            d2d_model = np.clip(d2d, valid.low, valid.high)
            d3d = np.sqrt(d2d_model * d2d_model + dh * dh)
        pl_los, pl_nlos = los_nlos_pathloss(sc, d2d_model, d3d, cell.fc_ghz, cell.height_m, h_ut)
        clutter = self.layout.zones[zone_k].clutter if zone_k >= 0 else None
        p_los = los_probability_for(sc, d2d, h_bs_m=cell.height_m, h_ut_m=h_ut, clutter=clutter)
        if not self.shadowing:
            return np.where(p_los >= 0.5, pl_los, pl_nlos)
        los = normal_cdf(self._field(cell, purpose + "/los", sc.los_corr_m)) < p_los
        beyond: np.ndarray | bool = False
        if sc.name == "RMa":
            beyond = d2d_model > breakpoint_rma_m(cell.height_m, h_ut, cell.fc_ghz)
        sigma = shadow_sigma_db(sc, los, beyond).astype(np.float32)
        # a point is LOS or NLOS, never both: equal decorrelation distances share a field
        sf_los = self._field(cell, f"{purpose}/sf@{sc.sf_corr_los_m:g}", sc.sf_corr_los_m)
        sf_nlos = self._field(cell, f"{purpose}/sf@{sc.sf_corr_nlos_m:g}", sc.sf_corr_nlos_m)
        return np.where(los, pl_los, pl_nlos) + sigma * np.where(los, sf_los, sf_nlos)

    def _zone_of_cell(self, cell: CellSite) -> int:
        if cell.zone is None:
            return -1
        for k, zone in enumerate(self.layout.zones):
            if zone.name == cell.zone:
                return k
        raise LayoutError(f"cell {cell.name!r}: zone {cell.zone!r} is not in {self.layout.name!r}")

    def _check_cell(self, cell: CellSite, cell_zone: int) -> None:
        """The cell's own links must sit inside their model's ranges (Table 7.4.1-1)."""
        if cell_zone >= 0:
            sc = get_scenario(self.layout.zones[cell_zone].scenario)
        else:
            sc = get_scenario(cell.scenario or self.layout.outdoor_scenario)
        checks = [(cell.height_m, sc.h_bs_range, "height_m"), (cell.fc_ghz, sc.fc_ghz, "fc_ghz"),
                  (self.layout.ue_height_m, sc.h_ut_range, "the layout's ue_height_m")]  # fmt: skip
        for value, rng, name in checks:
            if not rng.low <= value <= rng.high:
                raise LayoutError(
                    f"cell {cell.name!r} ({sc.name}): needs {rng.text(name)}; got {value:g}"
                )

    def _entry_loss(self, cell: CellSite, cell_zone: int) -> F32:
        """Walls crossed by links that leave or enter a building (0 where none)."""
        walls = np.array([wall_loss_db(z.wall, cell.fc_ghz) for z in self.layout.zones] + [0.0])
        point_wall = walls[self.zone_index].astype(np.float32)  # index -1 picks the 0.0
        loss = point_wall + INDOOR_LOSS_DB_PER_M * self.indoor_depth_m
        if cell_zone >= 0:
            cell_depth = float(
                _depth_behind_walls(
                    self.layout.zones[cell_zone].polygon, np.array([cell.x_m]), np.array([cell.y_m])
                )[0, 0]
            )
            loss = (
                loss
                + walls[cell_zone]
                + INDOOR_LOSS_DB_PER_M * min(cell_depth, MAX_INDOOR_DISTANCE_M)
            )
        return loss

    def _gain(self, cell: CellSite, dx: F32, dy: F32) -> F32 | float:
        if cell.azimuth_deg is None:
            return float(cell.max_gain_dbi)
        return sector_gain_db(
            dx, dy, cell.height_m - self.layout.ue_height_m,
            azimuth_deg=cell.azimuth_deg, tilt_deg=cell.tilt_deg, max_gain_dbi=cell.max_gain_dbi,
        )  # fmt: skip

    def _compute_rsrp(self, cell: CellSite) -> F32:
        dx = self._x - np.float32(cell.x_m)
        dy = self._y - np.float32(cell.y_m)
        d2d = np.hypot(dx, dy)
        cell_zone = self._zone_of_cell(cell)
        self._check_cell(cell, cell_zone)
        outdoor = get_scenario(cell.scenario or self.layout.outdoor_scenario)
        loss = self._scenario_loss(cell, outdoor, d2d, "outdoor", -1)
        loss = loss + self._entry_loss(cell, cell_zone)
        if cell_zone >= 0:
            inside = self.zone_index == cell_zone
            zone = self.layout.zones[cell_zone]
            indoor = self._scenario_loss(
                cell, get_scenario(zone.scenario), d2d, "indoor", cell_zone
            )
            loss = np.where(inside, indoor, loss)
        rsrp = epre_dbm(cell.tx_power_dbm, cell.n_rb) + self._gain(cell, dx, dy) - loss
        return rsrp.astype(np.float32)

    # ---- public --------------------------------------------------------------------
    def rsrp_grid(self, cell: CellSite) -> F32:
        """RSRP in dBm of `cell` at every grid point (cached per cell description)."""
        if cell in self._rsrp:
            self._rsrp.move_to_end(cell)
            return self._rsrp[cell]
        try:
            grid = self._compute_rsrp(cell)
        except LayoutError:
            raise
        except ValueError as exc:  # e.g. an InF-SH cell below the clutter
            raise LayoutError(f"cell {cell.name!r}: {exc}") from None
        self._rsrp[cell] = grid
        if len(self._rsrp) > MAX_CACHED_GRIDS:  # a lab may try many tilts: keep the recent
            self._rsrp.popitem(last=False)
        return grid

    def rsrp_stack(self, cells) -> F32:
        """RSRP grids of several cells, stacked on axis 0."""
        return np.stack([self.rsrp_grid(cell) for cell in cells])

    def rsrp_at(self, cells, x_m: float, y_m: float) -> np.ndarray:
        """RSRP in dBm of each cell at a point, interpolated bilinearly between grid points."""
        g = self.grid
        fx = np.clip((x_m - g.x0) / g.spacing_m, 0, g.nx - 1.000001)
        fy = np.clip((y_m - g.y0) / g.spacing_m, 0, g.ny - 1.000001)
        i, j = int(fx), int(fy)
        tx, ty = fx - i, fy - j
        out = []
        for cell in cells:
            r = self.rsrp_grid(cell)
            top = r[j, i] * (1 - tx) + r[j, i + 1] * tx
            bottom = r[j + 1, i] * (1 - tx) + r[j + 1, i + 1] * tx
            out.append(top * (1 - ty) + bottom * ty)
        return np.array(out, dtype=float)

    def zone_at(self, x_m: float, y_m: float) -> str | None:
        """Name of the zone containing the point, or None outdoors."""
        for zone in self.layout.zones:
            if PolygonPath(zone.polygon).contains_point((x_m, y_m)):
                return zone.name
        return None
