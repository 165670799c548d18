"""NR operating bands as frequency ranges, and the 5G spectrum Vietnam's operators hold.

- `band(name)`: an `NrBand` of TS 38.101-1 Table 5.2-1 (FR1) or TS 38.101-2 Table 5.2-1
  (FR2) from ``data/tables/nr_bands.yaml``: its downlink (and, for FDD, uplink) range.
- `bands_containing(fc_ghz, bandwidth_mhz)`: the bands a carrier fits in. Bands overlap:
  3.75 GHz with 100 MHz lies in both n77 (3300-4200 MHz) and n78 (3300-3800 MHz), so
  "n77 instead of n78" is no fault there; 3.85 GHz lies in n77 only.
- `check_carrier(name, fc_ghz, bandwidth_mhz)`: a ValueError naming the field when the
  channel (centre ± half the bandwidth) leaves the band.
- `assignments()`: the 2024 auction results (``data/tables/vn_5g_assignments.yaml``,
  sources in the file) and `operator_of(fc_ghz, bandwidth_mhz)`: whose licence a carrier
  falls in, or None (3.5 GHz is in none of the auctioned blocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TABLES_DIR = Path(__file__).parent / "data" / "tables"
# a carrier centre sits on the 15 kHz channel raster (TS 38.104 §5.4.2), so a channel
# meant to fill 3800-3900 MHz is centred at 3849.99 MHz: edges within 20 kHz count as in
RASTER_TOLERANCE_MHZ = 0.02


@dataclass(frozen=True)
class NrBand:
    """One NR operating band: downlink range (UE receive) and, for FDD, uplink range."""

    name: str
    duplex: str  # "FDD" or "TDD"
    dl_mhz: tuple[float, float]
    ul_mhz: tuple[float, float] | None = None  # None: TDD, the same range both ways

    @property
    def uplink_mhz(self) -> tuple[float, float]:
        return self.ul_mhz or self.dl_mhz

    def holds(self, fc_ghz: float, bandwidth_mhz: float = 0.0) -> bool:
        """Whether a downlink channel of `bandwidth_mhz` centred on `fc_ghz` fits."""
        low, high = self.dl_mhz
        centre = fc_ghz * 1000.0
        half = bandwidth_mhz / 2.0
        tol = RASTER_TOLERANCE_MHZ
        return low - tol <= centre - half and centre + half <= high + tol

    def text(self) -> str:
        return f"{self.name} ({self.dl_mhz[0]:g}-{self.dl_mhz[1]:g} MHz)"


@dataclass(frozen=True)
class Assignment:
    """A block of spectrum an operator holds."""

    operator: str
    block: str
    low_mhz: float
    high_mhz: float
    bands: tuple[str, ...]
    date: str

    def holds(self, fc_ghz: float, bandwidth_mhz: float = 0.0) -> bool:
        centre, half = fc_ghz * 1000.0, bandwidth_mhz / 2.0
        tol = RASTER_TOLERANCE_MHZ
        return self.low_mhz - tol <= centre - half and centre + half <= self.high_mhz + tol

    @property
    def centre_ghz(self) -> float:
        return (self.low_mhz + self.high_mhz) / 2000.0


def _pair(value, where: str) -> tuple[float, float]:
    low, high = (float(v) for v in value)
    if not low < high:
        raise ValueError(f"{where}: expected [low, high] MHz with low < high, got {value!r}")
    return low, high


@lru_cache(maxsize=1)
def all_bands() -> dict[str, NrBand]:
    """Every band of the bundled table, by name."""
    raw = yaml.safe_load((TABLES_DIR / "nr_bands.yaml").read_text(encoding="utf-8"))
    return {name: NrBand(name, spec["duplex"], _pair(spec["dl_mhz"], f"{name}.dl_mhz"),
                         _pair(spec["ul_mhz"], f"{name}.ul_mhz") if "ul_mhz" in spec else None)
            for name, spec in raw.items()}


def band(name: str) -> NrBand:
    """The band called `name`, or a ValueError listing the known ones."""
    bands = all_bands()
    if name not in bands:
        raise ValueError(f"band: {name!r} is not an NR band of the table "
                         f"(TS 38.101-1/-2 Table 5.2-1); known: {', '.join(bands)}")
    return bands[name]


def bands_containing(fc_ghz: float, bandwidth_mhz: float = 0.0) -> list[str]:
    """Names of the bands a downlink channel fits in (empty: in none)."""
    return [b.name for b in all_bands().values() if b.holds(fc_ghz, bandwidth_mhz)]


def check_carrier(name: str, fc_ghz: float, bandwidth_mhz: float, field: str = "fc_ghz"
                  ) -> NrBand:
    """The band, if the channel fits in it; else a ValueError naming `field` and the band."""
    b = band(name)
    if not b.holds(fc_ghz, bandwidth_mhz):
        centre = fc_ghz * 1000.0
        fits = bands_containing(fc_ghz, bandwidth_mhz)
        raise ValueError(
            f"{field}: a {bandwidth_mhz:g} MHz carrier at {centre:g} MHz "
            f"({centre - bandwidth_mhz / 2:g}-{centre + bandwidth_mhz / 2:g} MHz) is outside "
            f"{b.text()}; it fits in {', '.join(fits) if fits else 'no NR band of the table'}")
    return b


def band_for_carrier(fc_ghz: float, bandwidth_mhz: float = 0.0, field: str = "fc_ghz") -> str:
    """The narrowest band holding the channel (n78 before n77), or a ValueError."""
    fits = bands_containing(fc_ghz, bandwidth_mhz)
    if not fits:
        raise ValueError(f"{field}: {fc_ghz * 1000:g} MHz ({bandwidth_mhz:g} MHz wide) is in no "
                         f"NR band of the table (TS 38.101-1/-2 Table 5.2-1)")
    return min(fits, key=lambda n: all_bands()[n].dl_mhz[1] - all_bands()[n].dl_mhz[0])


@lru_cache(maxsize=1)
def assignments() -> tuple[Assignment, ...]:
    """The 2024 5G spectrum auction results in Vietnam (sources in the data file)."""
    raw = yaml.safe_load((TABLES_DIR / "vn_5g_assignments.yaml").read_text(encoding="utf-8"))
    return tuple(Assignment(a["operator"], a["block"], float(a["low_mhz"]), float(a["high_mhz"]),
                            tuple(a["bands"]), str(a["date"]))
                 for a in raw["assignments"])


def operator_of(fc_ghz: float, bandwidth_mhz: float = 0.0) -> Assignment | None:
    """The operator block a channel lies in, or None when it is in no one's licence."""
    return next((a for a in assignments() if a.holds(fc_ghz, bandwidth_mhz)), None)
