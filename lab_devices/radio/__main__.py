"""Command line: draw a park's coverage map or the path-loss curves.

    python -m lab_devices.radio map --out map.png [--layout kcn_sa_dec | --layout-file f.yaml]
        [--seed 478] [--spacing 5] [--kinds rsrp,sinr]
    python -m lab_devices.radio pathloss-chart --out pl.png [--fc 3.5]

The docs' pictures under site/img/radio/ are made this way (see site/radio.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .coverage import coverage_map
from .layout import LayoutError, bundled_layout, load_layout
from .pathloss import pathloss
from .plot import plot_coverage
from .radiomap import RadioMap


def _map(args: argparse.Namespace) -> str:
    layout = load_layout(args.layout_file) if args.layout_file else bundled_layout(args.layout)
    cmap = coverage_map(RadioMap(layout, spacing_m=args.spacing, seed=args.seed))
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    path = plot_coverage(cmap, layout, layout.cells, args.out, kinds=kinds)
    return f"{path}: coverage {cmap.coverage_share():.1%} (RSRP ≥ -100 dBm and SINR ≥ 0 dB)"


def _pathloss_chart(args: argparse.Namespace) -> str:
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.subplots()
    styles = {"InF-SL": "C0", "InF-DL": "C1", "InF-SH": "C2", "InF-DH": "C3",
              "UMi": "C4", "UMa": "C5", "RMa": "C6"}  # fmt: skip
    for name, colour in styles.items():
        low = 1.0 if name.startswith("InF") else 10.0
        d = np.geomspace(low, 590.0 if name.startswith("InF") else 2000.0, 200)
        ax.plot(d, pathloss(name, d2d_m=d, fc_ghz=args.fc, los=False), color=colour, label=name)
    d = np.geomspace(1.0, 590.0, 200)
    ax.plot(d, pathloss("InF-SL", d2d_m=d, fc_ghz=args.fc, los=True), "k--", label="InF-LOS")
    d = np.geomspace(10.0, 2000.0, 200)
    ax.plot(d, pathloss("UMi", d2d_m=d, fc_ghz=args.fc, los=True), "k:", label="UMi LOS")
    ax.set_xscale("log")
    ax.set_xlabel("2D distance (m)")
    ax.set_ylabel("median path loss (dB)")
    ax.set_title(f"TR 38.901 V17.0.0 Table 7.4.1-1 at {args.fc:g} GHz (NLOS unless marked)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return str(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab_devices.radio")
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("map", help="coverage map PNG of a park layout")
    m.add_argument("--layout", default="kcn_sa_dec", help="a bundled layout's name")
    m.add_argument("--layout-file", help="a layout YAML file instead of a bundled one")
    m.add_argument("--seed", type=int, default=478)
    m.add_argument("--spacing", type=float, default=5.0, help="grid spacing in metres")
    m.add_argument("--kinds", default="rsrp,sinr", help="panels: rsrp,sinr,throughput,best_server")
    m.add_argument("--out", required=True)
    p = sub.add_parser("pathloss-chart", help="path loss against distance, every scenario")
    p.add_argument("--fc", type=float, default=3.5, help="carrier frequency in GHz")
    p.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        print(_map(args) if args.command == "map" else _pathloss_chart(args))
    except (LayoutError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
