"""Coverage-map pictures a trainee can read: one KPI per panel, halls and cells drawn on.

Uses matplotlib's object API (`Figure`), not pyplot, so it works headless and keeps no
global state between calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from .coverage import CoverageMap
from .layout import CellSite, ParkLayout

# (attribute, title, colour map, value range, unit, threshold contour)
PANELS = {
    "rsrp": ("rsrp_dbm", "RSRP of the best server", "viridis", (-130, -60), "dBm", -100.0),
    "sinr": ("sinr_db", "SINR", "RdYlGn", (-10, 30), "dB", 0.0),
    "throughput": ("throughput_mbps", "Throughput, one user", "magma", (0, 900), "Mbit/s", None),
    "best_server": ("best_server", "Best server", "tab20", None, "", None),
}  # fmt: skip


def _draw_layout(
    ax, layout: ParkLayout, cells: Sequence[CellSite], label_zones: bool, label_cells: bool
) -> None:
    ax.add_patch(Polygon(layout.boundary, closed=True, fill=False, lw=1.5, ec="black"))
    for zone in layout.zones:
        ax.add_patch(Polygon(zone.polygon, closed=True, fill=False, lw=1.0, ec="white"))
        if label_zones:
            x = min(p[0] for p in zone.polygon) + 4
            y = max(p[1] for p in zone.polygon) - 4
            short = zone.name.split("/")[-1].strip()
            ax.text(x, y, f"{short}\n{zone.scenario}", color="white", fontsize=6, va="top")
    for cell in cells:
        if label_cells and not cell.name.endswith(("-B", "-C")):
            ax.text(
                cell.x_m + 6,
                cell.y_m - 14,
                cell.name,
                fontsize=5.5,
                color="black",
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            )
        if cell.azimuth_deg is None:
            ax.plot(cell.x_m, cell.y_m, "o", ms=4, mfc="white", mec="black", mew=0.8)
        else:
            rad = np.radians(cell.azimuth_deg)
            ax.annotate("", xy=(cell.x_m + 45 * np.sin(rad), cell.y_m + 45 * np.cos(rad)),
                        xytext=(cell.x_m, cell.y_m),
                        arrowprops={"arrowstyle": "->", "color": "red", "lw": 1.2})  # fmt: skip
            ax.plot(cell.x_m, cell.y_m, "^", ms=6, mfc="red", mec="black", mew=0.8)


def _panel(fig, ax, cmap: CoverageMap, kind: str) -> None:
    attribute, title, colours, limits, unit, threshold = PANELS[kind]
    values = np.ma.masked_where(~cmap.in_park, getattr(cmap, attribute))
    extent = cmap.grid.extent
    if kind == "best_server":
        n = len(cmap.cell_names)
        tab20 = colormaps["tab20"]  # a 20-entry table: an int picks an entry
        palette = ListedColormap([tab20(i % 20) for i in range(n)])
        norm = BoundaryNorm(np.arange(-0.5, n + 0.5), n)
        image = ax.imshow(values, origin="lower", extent=extent, cmap=palette, norm=norm)
    else:
        assert limits is not None
        image = ax.imshow(values, origin="lower", extent=extent, cmap=colours,
                          vmin=limits[0], vmax=limits[1])  # fmt: skip
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label(unit)
    if threshold is not None:
        ax.contour(cmap.grid.xs, cmap.grid.ys, getattr(cmap, attribute), levels=[threshold],
                   colors="black", linewidths=0.6, linestyles="--")  # fmt: skip
        title = f"{title} (dashed: {threshold:g} {unit})"
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("x (m, east)", fontsize=8)
    ax.set_ylabel("y (m, north)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_aspect("equal")


def plot_coverage(
    cmap: CoverageMap,
    layout: ParkLayout,
    cells: Sequence[CellSite],
    path: str | Path,
    *,
    kinds: Sequence[str] = ("rsrp", "sinr"),
    title: str | None = None,
    dpi: int = 110,
) -> Path:
    """Write a PNG with one panel per KPI in `kinds` and return its path."""
    unknown = [k for k in kinds if k not in PANELS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be some of {sorted(PANELS)}; got {list(kinds)}")
    fig = Figure(figsize=(5.6 * len(kinds), 5.2), layout="constrained")
    axes = fig.subplots(1, len(kinds), squeeze=False)[0]
    for i, (ax, kind) in enumerate(zip(axes, kinds, strict=True)):
        _panel(fig, ax, cmap, kind)
        _draw_layout(ax, layout, cells, label_zones=i == 0, label_cells=kind == "best_server")
    share = cmap.coverage_share()
    fig.suptitle(title or f"{layout.name}: coverage {share:.0%} (RSRP ≥ -100 dBm and SINR ≥ 0 dB)",
                 fontsize=10)  # fmt: skip
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
