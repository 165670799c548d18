"""NR tables the KPI chain reads: carrier sizes, the CQI table and the peak-rate formula.

- Transmission bandwidth configuration N_RB: TS 38.101-1 Rel-17 Table 5.3.2-1 (FR1) and
  TS 38.101-2 Rel-17 Table 5.3.2-1 (FR2-1).
- CQI: TS 38.214 Rel-17 Table 5.2.2.1-2 (the 4-bit table up to 64QAM) as `CQI_TABLE`;
  both CQI tables (5.2.2.1-2, -3) and both PDSCH MCS tables (5.1.3.1-1, -2) as data
  (`cqi_table`, `mcs_table`, `mcs_for_cqi`: CQI -> MCS -> Qm, R).
- Peak data rate: TS 38.306 Rel-17 §4.1.2 (`peak_rate_mbps`), and the rate of a link
  (`link_rate_mbps`): the same formula with the scheduled MCS, the TDD pattern's share of
  symbols in that direction (`TddPattern`, DDDSU by default) and the initial BLER target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

FR1_MAX_GHZ = 7.125
FR2_RANGE_GHZ = (24.25, 52.6)

# channel bandwidth MHz -> N_RB, per SCS kHz
_FR1_NRB: dict[int, dict[int, int]] = {
    15: {5: 25, 10: 52, 15: 79, 20: 106, 25: 133, 30: 160, 35: 188, 40: 216, 45: 242, 50: 270},
    30: {5: 11, 10: 24, 15: 38, 20: 51, 25: 65, 30: 78, 35: 92, 40: 106, 45: 119, 50: 133,
         60: 162, 70: 189, 80: 217, 90: 245, 100: 273},
    60: {10: 11, 15: 18, 20: 24, 25: 31, 30: 38, 35: 44, 40: 51, 45: 58, 50: 65, 60: 79,
         70: 93, 80: 107, 90: 121, 100: 135},
}  # fmt: skip
_FR2_NRB: dict[int, dict[int, int]] = {
    60: {50: 66, 100: 132, 200: 264},
    120: {50: 32, 100: 66, 200: 132, 400: 264},
}


@dataclass(frozen=True)
class CqiEntry:
    """One row of TS 38.214 Table 5.2.2.1-2."""

    index: int
    modulation: str
    bits_per_symbol: int  # Qm
    code_rate_x1024: int
    efficiency: float  # information bits per resource element


CQI_TABLE: tuple[CqiEntry, ...] = tuple(
    CqiEntry(i, mod, qm, rate, eff)
    for i, (mod, qm, rate, eff) in enumerate(
        [
            ("out of range", 0, 0, 0.0),
            ("QPSK", 2, 78, 0.1523),
            ("QPSK", 2, 120, 0.2344),
            ("QPSK", 2, 193, 0.3770),
            ("QPSK", 2, 308, 0.6016),
            ("QPSK", 2, 449, 0.8770),
            ("QPSK", 2, 602, 1.1758),
            ("16QAM", 4, 378, 1.4766),
            ("16QAM", 4, 490, 1.9141),
            ("16QAM", 4, 616, 2.4063),
            ("64QAM", 6, 466, 2.7305),
            ("64QAM", 6, 567, 3.3223),
            ("64QAM", 6, 666, 3.9023),
            ("64QAM", 6, 772, 4.5234),
            ("64QAM", 6, 873, 5.1152),
            ("64QAM", 6, 948, 5.5547),
        ]
    )
)


def frequency_range(fc_ghz: float) -> str:
    """ "FR1" or "FR2" (TS 38.104 §5.1: FR1 410-7125 MHz, FR2-1 24250-52600 MHz)."""
    if 0.41 <= fc_ghz <= FR1_MAX_GHZ:
        return "FR1"
    if FR2_RANGE_GHZ[0] <= fc_ghz <= FR2_RANGE_GHZ[1]:
        return "FR2"
    raise ValueError(
        f"fc_ghz={fc_ghz:g} is in no NR frequency range: FR1 is 0.41-7.125 GHz, "
        f"FR2-1 is 24.25-52.6 GHz (TS 38.104 §5.1)"
    )


def numerology(scs_khz: int) -> int:
    """μ with SCS = 15·2^μ kHz (TS 38.211 §4.2)."""
    if scs_khz not in (15, 30, 60, 120):
        raise ValueError(f"scs_khz must be 15, 30, 60 or 120 for data; got {scs_khz!r}")
    return int(math.log2(scs_khz // 15))


def n_prb(bandwidth_mhz: int, scs_khz: int, fc_ghz: float) -> int:
    """N_RB of a carrier (TS 38.101-1/-2 Table 5.3.2-1), or a ValueError naming the options."""
    band = frequency_range(fc_ghz)
    table = _FR1_NRB if band == "FR1" else _FR2_NRB
    if scs_khz not in table:
        raise ValueError(
            f"scs_khz={scs_khz!r} is not used in {band}: expected one of {sorted(table)}"
        )
    sizes = table[scs_khz]
    if bandwidth_mhz not in sizes:
        raise ValueError(
            f"bandwidth_mhz={bandwidth_mhz!r} is not a {band} channel at {scs_khz} kHz: "
            f"expected one of {sorted(sizes)} (TS 38.101 Table 5.3.2-1)"
        )
    return sizes[bandwidth_mhz]


def overhead(band: str, downlink: bool = True) -> float:
    """OH of TS 38.306 §4.1.2: 0.14 FR1 DL, 0.18 FR2 DL, 0.08 FR1 UL, 0.10 FR2 UL."""
    if band == "FR1":
        return 0.14 if downlink else 0.08
    return 0.18 if downlink else 0.10


def peak_rate_mbps(
    *,
    layers: int,
    bits_per_symbol: int,
    n_prb: int,
    scs_khz: int,
    band: str,
    scaling: float = 1.0,
    downlink: bool = True,
) -> float:
    """TS 38.306 §4.1.2 for one carrier, with R_max = 948/1024.

    rate = 1e-6 · v · Q_m · f · R_max · N_PRB · 12 / T_s^μ · (1 - OH),
    with T_s^μ = 1e-3 / (14 · 2^μ) s, the average OFDM symbol duration.
    """
    symbol_s = 1e-3 / (14 * 2 ** numerology(scs_khz))
    r_max = 948 / 1024
    payload = layers * bits_per_symbol * scaling * r_max * n_prb * 12 / symbol_s
    return 1e-6 * payload * (1 - overhead(band, downlink))


# -- MCS and CQI tables of TS 38.214 (data/tables/mcs_cqi.yaml) ------------------------

TABLES_DIR = Path(__file__).parent / "data" / "tables"
MCS_TABLES = ("qam64", "qam256")


@dataclass(frozen=True)
class McsEntry:
    """One row of TS 38.214 Table 5.1.3.1-1 or -2 (or of a CQI table): Qm and R·1024."""

    index: int
    bits_per_symbol: int  # Qm
    code_rate_x1024: float

    @property
    def code_rate(self) -> float:
        return self.code_rate_x1024 / 1024

    @property
    def efficiency(self) -> float:
        """Information bits per RE and layer: Qm · R."""
        return self.bits_per_symbol * self.code_rate_x1024 / 1024


@lru_cache(maxsize=1)
def _mcs_cqi_data() -> dict[str, dict[str, tuple[McsEntry, ...]]]:
    raw = yaml.safe_load((TABLES_DIR / "mcs_cqi.yaml").read_text(encoding="utf-8"))
    return {kind: {name: tuple(McsEntry(int(i), int(qm), float(r)) for i, qm, r in rows)
                   for name, rows in tables.items()}
            for kind, tables in raw.items()}


def _table_name(table: str) -> str:
    if table not in MCS_TABLES:
        raise ValueError(f"table: {table!r} is not one of {', '.join(MCS_TABLES)} "
                         f"(TS 38.214 Table 5.1.3.1-1 qam64, 5.1.3.1-2 qam256)")
    return table


def mcs_table(table: str = "qam64") -> tuple[McsEntry, ...]:
    """TS 38.214 Table 5.1.3.1-1 ("qam64") or 5.1.3.1-2 ("qam256"), indices 0-27/28."""
    return _mcs_cqi_data()["mcs"][_table_name(table)]


def cqi_table(table: str = "qam64") -> tuple[McsEntry, ...]:
    """TS 38.214 Table 5.2.2.1-2 ("qam64") or 5.2.2.1-3 ("qam256"), CQI 1-15."""
    return _mcs_cqi_data()["cqi"][_table_name(table)]


def mcs(index: int, table: str = "qam64") -> McsEntry:
    """One MCS row, or a ValueError naming the valid indices."""
    rows = mcs_table(table)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(rows):
        raise ValueError(f"mcs: {index!r} is not an MCS index of table {table} "
                         f"(0-{len(rows) - 1}; the rest are reserved)")
    return rows[index]


def mcs_for_cqi(cqi: int, table: str = "qam64") -> McsEntry | None:
    """The MCS a scheduler picks for a CQI report: the highest-efficiency row of the MCS
    table (same name as the CQI table) not above the CQI's efficiency, MCS 0 at least.
    CQI 0 (out of range) schedules nothing: None. The choice is a common link-adaptation rule; the
    standard leaves it to the gNB.
    """
    if isinstance(cqi, bool) or not isinstance(cqi, int | np.integer) or not 0 <= cqi <= 15:
        raise ValueError(f"cqi: {cqi!r} is not a CQI index 0-15 (TS 38.214 Table 5.2.2.1-2)")
    if cqi == 0:
        return None
    target = cqi_table(table)[int(cqi) - 1].efficiency
    fitting = [row for row in mcs_table(table) if row.efficiency <= target + 1e-9]
    # CQI 1 (0.1523 bit/RE) is below MCS 0 of both tables (0.2344): MCS 0 is the floor
    return max(fitting, key=lambda row: row.efficiency) if fitting else mcs_table(table)[0]


# -- TDD patterns ---------------------------------------------------------------------

@dataclass(frozen=True)
class TddPattern:
    """A TDD slot pattern such as DDDSU, with the special slot's symbol split.

    The pattern repeats (tdd-UL-DL-ConfigurationCommon, TS 38.331; slot formats of
    TS 38.213 §11.1). ``D`` slots carry 14 downlink symbols, ``U`` 14 uplink, ``S`` the
    split `special_dl`:`guard`:`special_ul` (10:2:2 is a common operator setting for
    DDDSU at 30 kHz, not a value the standard fixes).
    """

    slots: str = "DDDSU"
    special_dl: int = 10
    special_ul: int = 2
    paired: bool = False  # FDD: each direction has its own carrier and every symbol

    def __post_init__(self) -> None:
        if not self.slots or set(self.slots) - set("DSU"):
            raise ValueError(f"tdd_pattern: {self.slots!r} must be a string of D, S and U")
        if not (0 <= self.special_dl and 0 <= self.special_ul
                and self.special_dl + self.special_ul <= 14):
            raise ValueError(f"tdd_pattern: special slot {self.special_dl} DL + "
                             f"{self.special_ul} UL symbols do not fit in 14")

    def share(self, downlink: bool = True) -> float:
        """The share of the pattern's symbols in one direction."""
        if self.paired:
            return 1.0
        full = self.slots.count("D" if downlink else "U")
        special = self.special_dl if downlink else self.special_ul
        return (14 * full + special * self.slots.count("S")) / (14 * len(self.slots))


FDD = TddPattern("D", 0, 0, paired=True)  # paired spectrum: every symbol each way
DEFAULT_TDD = TddPattern()
INITIAL_BLER = 0.1  # the CQI tables' target: TB error probability ≤ 0.1, TS 38.214 §5.2.2.1


def link_rate_mbps(
    efficiency: float | np.ndarray,
    *,
    layers: int | np.ndarray,
    n_prb: int,
    scs_khz: int,
    band: str,
    downlink: bool = True,
    tdd: TddPattern | None = DEFAULT_TDD,
    bler: float = INITIAL_BLER,
) -> float | np.ndarray:
    """TS 38.306 §4.1.2 with Qm·f·R replaced by the scheduled MCS's Qm·R, counted over the
    pattern's symbols in that direction, less the first transmissions that fail (BLER).

    rate = 1e-6 · v · Qm·R · N_PRB · 12 / T_s^μ · (1 - OH) · share · (1 - BLER)
    """
    if not 0.0 <= bler < 1.0:
        raise ValueError(f"bler: must be in [0, 1); got {bler!r}")
    symbol_s = 1e-3 / (14 * 2 ** numerology(scs_khz))
    share = 1.0 if tdd is None else tdd.share(downlink)
    return (1e-6 * np.asarray(efficiency) * layers * n_prb * 12 / symbol_s
            * (1 - overhead(band, downlink)) * share * (1 - bler))
