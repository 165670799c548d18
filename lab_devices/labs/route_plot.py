"""Pictures of the 5G labs: a modem's walk with its KPIs, and a small-cell plan's coverage.

    python -m lab_devices.labs.route_plot --lab 5g-kpi-walk --device cpe-1 \
        --out site/img/devices-5g/kpi-walk.png [--seconds 440] [--step 2]
    python -m lab_devices.labs.route_plot --small-cells --out site/img/devices-5g/small-cells.png

It starts the lab's devices as the fleet does (with the lab's faults), drives the modem
for ``seconds``, and draws what a trainee would plot from its telemetry: the route coloured
by RSRP with the dead zone the models put on it, and RSRP and SINR against the distance
walked with the drive-test bands. ``--small-cells`` draws the RSRP and SINR of three
cells along the electronics hall, a plan that passes the ``5g-small-cells`` lab. The
docs' pictures under site/img/devices-5g/ are made this way.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from lab_devices.labs.labfile import load_lab
from lab_devices.models import MODELS
from lab_devices.models.cell_planner import SmallCellPlanner
from lab_devices.models.ue_modem import UeModem
from lab_devices.radio import coverage_map, plot_coverage
from lab_devices.radio.network import distance_to_polyline
from lab_devices.radio.plot import _draw_layout

LABS = Path(__file__).resolve().parents[2] / "labs"


def walk_lab(lab_id: str, device_id: str, seconds: float, step: float
             ) -> tuple[UeModem, list[dict]]:
    """Run the lab's modem from t = 0 and return it with its telemetry documents."""
    lab = load_lab(LABS / lab_id / "lab.yaml")
    spec = next((d for d in lab.devices if d.id == device_id), None)
    if spec is None or spec.model != "ue_modem":
        raise SystemExit(f"{lab_id}: no ue_modem device {device_id!r}")
    faults = [f.to_fault() for f in lab.faults if f.device == device_id]
    device = MODELS[spec.model](device_id, spec.params, trainee="docs", lab=lab_id,
                                faults=faults)
    readings = []
    for k in range(int(seconds / step) + 1):
        readings += [json.loads(m.payload) for m in device.tick(k * step)
                     if m.topic == "telemetry"]
    return device, readings  # type: ignore[return-value]


def _map_panel(fig, ax, device: UeModem, readings: list[dict]) -> None:
    network = device.network
    cover = coverage_map(network.radio, network.live_cells(), activity=0.5)
    values = np.ma.masked_where(~cover.in_park, cover.rsrp_dbm)
    ax.imshow(values, origin="lower", extent=cover.grid.extent, cmap="Greys_r",
              vmin=-130, vmax=-60, alpha=0.55)
    _draw_layout(ax, network.radio.layout, network.live_cells(), label_zones=False,
                 label_cells=True)
    xs, ys = [d["x"] for d in readings], [d["y"] for d in readings]
    rsrp = [math.nan if d["rsrp"] is None else d["rsrp"] for d in readings]
    dots = ax.scatter(xs, ys, c=rsrp, cmap="viridis", vmin=-130, vmax=-60, s=9, zorder=3)
    fig.colorbar(dots, ax=ax, shrink=0.75).set_label("RSRP measured (dBm)")
    dead = device.dead_zone()
    if dead:
        ax.plot([p[0] for p in dead], [p[1] for p in dead], color="red", lw=5, alpha=0.6,
                zorder=4, label="dead zone (models: RSRP < -110 dBm)")
        ax.legend(loc="lower left", fontsize=7)
    ax.set_title("Route over the park's RSRP (grey) and the modem's readings", fontsize=9)
    ax.set_xlabel("x (m, east)", fontsize=8)
    ax.set_ylabel("y (m, north)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_aspect("equal")


def _kpi_panel(ax, device: UeModem, readings: list[dict]) -> None:
    distance = np.cumsum([0.0] + [math.hypot(b["x"] - a["x"], b["y"] - a["y"])
                                  for a, b in zip(readings, readings[1:], strict=False)])
    rsrp = [math.nan if d["rsrp"] is None else d["rsrp"] for d in readings]
    sinr = [math.nan if d["sinr"] is None else d["sinr"] for d in readings]
    ax.plot(distance, rsrp, color="C0", lw=1.2, label="RSRP (dBm)")
    for level in (-80, -90, -100):
        ax.axhline(level, color="C0", lw=0.5, ls=":")
    ax.axhline(-110, color="red", lw=0.8, ls="--", label="dead-zone threshold")
    stretch = device.dead_zone() or []
    on_it = [d for d, r in zip(distance, readings, strict=True)
             if stretch and distance_to_polyline(r["x"], r["y"], stretch) <= 5.0]
    if on_it:
        ax.axvspan(min(on_it), max(on_it), color="red", alpha=0.12, label="dead zone")
    twin = ax.twinx()
    twin.plot(distance, sinr, color="C1", lw=1.0, label="SINR (dB)")
    twin.set_ylabel("SINR (dB)", fontsize=8, color="C1")
    started = [d for d, r in zip(distance, readings, strict=True) if r["ts"] >= 240]
    if started:
        twin.axvline(started[0], color="C1", lw=0.8, ls="--")
        twin.text(started[0] + 8, twin.get_ylim()[1] - 3, "interferer on (+12 dB I+N)",
                  fontsize=7, color="C1", va="top")
    ax.set_xlabel("distance walked (m)", fontsize=8)
    ax.set_ylabel("RSRP (dBm)", fontsize=8, color="C0")
    ax.set_title("KPIs along the route (dotted: -80/-90/-100 dBm bands)", fontsize=9)
    ax.tick_params(labelsize=7)
    twin.tick_params(labelsize=7)
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="upper left")


def plot_walk(device: UeModem, readings: list[dict], out: Path) -> Path:
    fig = Figure(figsize=(13, 5.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
    _map_panel(fig, left, device, readings)
    _kpi_panel(right, device, readings)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out


def plot_small_cells_example(out: Path) -> Path:
    """RSRP and SINR of a passing 3-cell plan in the 5g-small-cells lab's hall."""
    lab = load_lab(LABS / "5g-small-cells" / "lab.yaml")
    spec = next(d for d in lab.devices if d.model == "small_cell_planner")
    planner = SmallCellPlanner(spec.id, spec.params)
    for x in (667.0, 760.0, 853.0):
        planner.handle(json.dumps({"id": 1, "action": "place_cell", "x_m": x, "y_m": 420.0,
                                   "height_m": 8.0, "tx_power_dbm": 24.0}).encode())
    s = planner.settings
    cover = coverage_map(planner.radio, list(planner.placed.values()),
                         activity=s.cell_load)  # type: ignore[attr-defined]
    title = (f"{planner.hall.name}: 3 cells, {planner.coverage():.1%} of the hall with "
             f"RSRP ≥ {s.rsrp_min_dbm:g} dBm and SINR ≥ {s.sinr_min_db:g} dB")  # type: ignore[attr-defined]
    return plot_coverage(cover, planner.radio.layout, list(planner.placed.values()), out,
                         title=title)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="5g-kpi-walk")
    parser.add_argument("--device", default="cpe-1")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=440.0)
    parser.add_argument("--step", type=float, default=2.0)
    parser.add_argument("--small-cells", action="store_true",
                        help="draw the small-cells lab's example plan instead")
    args = parser.parse_args(argv)
    if args.small_cells:
        print(plot_small_cells_example(args.out))
        return
    device, readings = walk_lab(args.lab, args.device, args.seconds, args.step)
    print(plot_walk(device, readings, args.out))


if __name__ == "__main__":
    main()
