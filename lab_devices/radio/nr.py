"""NR tables the KPI chain reads: carrier sizes, the CQI table and the peak-rate formula.

- Transmission bandwidth configuration N_RB: TS 38.101-1 Rel-17 Table 5.3.2-1 (FR1) and
  TS 38.101-2 Rel-17 Table 5.3.2-1 (FR2-1).
- CQI: TS 38.214 Rel-17 Table 5.2.2.1-2 (the 4-bit table up to 64QAM).
- Peak data rate: TS 38.306 Rel-17 §4.1.2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
