"""VN_AQI, Vietnam's air quality index, as Decision 1459/QĐ-TCMT defines it.

Source: Decision 1459/QĐ-TCMT of 12 November 2019 of the Vietnam Environment
Administration (Tổng cục Môi trường), "Hướng dẫn kỹ thuật tính toán và công bố chỉ số chất
lượng không khí Việt Nam (VN_AQI)", in force from its signature, replacing Decision
878/QĐ-TCMT of 2011. The numbers here were checked against a transcription of the signed
PDF published by the Administration (vea.mae.gov.vn), section by section:

* Table 1 (Bảng 1): the AQI bands, their names and RGB colours;
* 2.2.1 a: NowCast for PM2.5 and PM10 from the 12 latest 1 h means c1 … c12 (c1 the
  current hour): w* = Cmin / Cmax; w = w* if w* > 1/2, else w = 1/2;
  NowCast = Σ w^(i-1)·ci / Σ w^(i-1). For w = 1/2 the Decision prints Σ (1/2)^i·ci without
  the denominator; the two agree only approximately (Σ_{i=1..12} (1/2)^(i-1) ≈ 2), and
  this module uses the normalised form for both cases. NowCast needs at least 2 of c1, c2,
  c3; a missing ci has weight 0;
* 2.2.1 b, Table 2 (Bảng 2): the breakpoints BPi (µg/m³, CO included) for I = 0, 50, 100,
  150, 200, 300, 400, 500 and the linear interpolation
  AQIx = (I(i+1) − Ii) / (BP(i+1) − BPi) × (Cx − BPi) + Ii;
* 2.2.1 c and 2.2.2 c: the overall AQI is the maximum of the sub-indices, rounded to an
  integer; a station's AQI needs PM10 or PM2.5 (2.1 b);
* 2.2.2: the daily AQI uses the 24 h mean for PM2.5 and PM10 (the mean of the day's 1 h
  means, 01:00 to 00:00), the largest 1 h mean of the day for SO2, NO2 and CO, and for O3
  the larger of the sub-indices of its largest 1 h mean and its largest 8 h mean (the 8 h
  O3 sub-index is not used when the largest 8 h mean is above 400 µg/m³).

Two choices the Decision leaves open, taken here: a concentration at or above the last
breakpoint (level 8, "≥") gives 500 rather than an extrapolated index; rounding is half up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Table 2 (Bảng 2): Ii for levels i = 1 … 8.
LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

# Table 2: BPi in µg/m³ for levels i = 1 … 8; None: the Decision sets none ("-").
BREAKPOINTS: dict[str, tuple[float | None, ...]] = {
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 120, 170, 210, 400, None, None),
    "co": (0, 10_000, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000),
    "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
    "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
}
NOWCAST_POLLUTANTS = frozenset({"pm25", "pm10"})


@dataclass(frozen=True)
class Band:
    """One row of Table 1: an AQI range, its name and colour."""

    low: int
    high: int
    vi: str
    en: str
    colour: str
    rgb: tuple[int, int, int]


# Table 1 (Bảng 1).
BANDS: tuple[Band, ...] = (
    Band(0, 50, "Tốt", "good", "xanh", (0, 228, 0)),
    Band(51, 100, "Trung bình", "moderate", "vàng", (255, 255, 0)),
    Band(101, 150, "Kém", "poor", "da cam", (255, 126, 0)),
    Band(151, 200, "Xấu", "bad", "đỏ", (255, 0, 0)),
    Band(201, 300, "Rất xấu", "very bad", "tím", (143, 63, 151)),
    Band(301, 500, "Nguy hại", "hazardous", "nâu", (126, 0, 35)),
)


def round_half_up(value: float) -> int:
    """The Decision's "làm tròn thành số nguyên", with .5 going up."""
    return math.floor(value + 0.5)


def sub_index(pollutant: str, concentration: float) -> float:
    """AQIx (unrounded) for ``concentration`` µg/m³ by Table 2's linear interpolation.

    For PM2.5 and PM10 pass the NowCast (hourly AQI) or the 24 h mean (daily AQI); for the
    other pollutants the 1 h mean, or for the daily AQI the day's largest 1 h (8 h) mean.
    """
    points = BREAKPOINTS.get(pollutant)
    if points is None:
        raise ValueError(f"unknown pollutant {pollutant!r}; VN_AQI has: {', '.join(BREAKPOINTS)}")
    if not math.isfinite(concentration) or concentration < 0:
        raise ValueError(f"{pollutant} concentration must be a finite number >= 0 µg/m³, "
                         f"not {concentration!r}")
    defined = [(bp, level) for bp, level in zip(points, LEVELS, strict=True) if bp is not None]
    top_bp, top_level = defined[-1]
    if concentration >= top_bp:
        if top_level < LEVELS[-1]:
            raise ValueError(f"{pollutant} {concentration} µg/m³ is beyond Table 2 "
                             f"(its last breakpoint is {top_bp})")
        return float(top_level)
    for (bp_low, i_low), (bp_high, i_high) in zip(defined, defined[1:], strict=False):
        if bp_low <= concentration < bp_high:
            return (i_high - i_low) / (bp_high - bp_low) * (concentration - bp_low) + i_low
    raise AssertionError("unreachable: the breakpoints cover 0 to the last one")


def nowcast(hourly: Sequence[float | None]) -> float | None:
    """NowCast (2.2.1 a) of 12 hourly means c1 … c12, newest first; None: not computable."""
    if len(hourly) != 12:
        raise ValueError(f"NowCast takes the 12 latest 1 h means, not {len(hourly)}")
    for value in hourly:
        if value is not None and (not math.isfinite(value) or value < 0):
            raise ValueError(f"a 1 h mean must be a finite number >= 0, not {value!r}")
    if sum(value is not None for value in hourly[:3]) < 2:
        return None
    present = [value for value in hourly if value is not None]
    c_max, c_min = max(present), min(present)
    w_star = c_min / c_max if c_max > 0 else 1.0
    w = w_star if w_star > 0.5 else 0.5
    numerator = denominator = 0.0
    for i, value in enumerate(hourly):
        if value is None:
            continue  # "Nếu ci không có giá trị thì lấy w^(i-1) = 0"
        weight = w**i  # i counts from 0 here: w^(i-1) for the Decision's i = 1 … 12
        numerator += weight * value
        denominator += weight
    return numerator / denominator


def overall(sub_indices: Mapping[str, float]) -> int | None:
    """AQI = max(AQIx), rounded; None unless PM2.5 or PM10 is among them (2.1 b)."""
    if not any(name in NOWCAST_POLLUTANTS for name in sub_indices):
        return None
    return round_half_up(max(sub_indices.values()))


def hourly_aqi(nowcasts: Mapping[str, float | None],
               hourly_means: Mapping[str, float | None]) -> tuple[int | None, dict[str, float]]:
    """The hourly AQI (2.2.1) and its sub-indices.

    ``nowcasts``: NowCast of pm25/pm10; ``hourly_means``: 1 h means of co, so2, no2, o3_1h.
    Missing values (None) are left out.
    """
    indices: dict[str, float] = {}
    for name, value in nowcasts.items():
        if name not in NOWCAST_POLLUTANTS:
            raise ValueError(f"NowCast is for pm25 and pm10 only, not {name!r}")
        if value is not None:
            indices[name] = sub_index(name, value)
    for name, value in hourly_means.items():
        if name in NOWCAST_POLLUTANTS or name == "o3_8h":
            raise ValueError(f"the hourly AQI takes {name!r} through NowCast or not at all")
        if value is not None:
            indices[name] = sub_index(name, value)
    return overall(indices), indices


def daily_aqi(means_24h: Mapping[str, float | None],
              max_hourly: Mapping[str, float | None],
              max_o3_8h: float | None = None) -> tuple[int | None, dict[str, float]]:
    """The daily AQI (2.2.2) and its sub-indices.

    ``means_24h``: 24 h means of pm25/pm10; ``max_hourly``: the day's largest 1 h means of
    co, so2, no2 and o3_1h; ``max_o3_8h``: the day's largest 8 h O3 mean.
    """
    indices: dict[str, float] = {}
    for name, value in means_24h.items():
        if name not in NOWCAST_POLLUTANTS:
            raise ValueError(f"the 24 h mean is used for pm25 and pm10 only, not {name!r}")
        if value is not None:
            indices[name] = sub_index(name, value)
    for name, value in max_hourly.items():
        if name in NOWCAST_POLLUTANTS or name == "o3_8h":
            raise ValueError(f"the day's largest 1 h mean is not used for {name!r}")
        if value is not None:
            indices[name] = sub_index(name, value)
    if max_o3_8h is not None and max_o3_8h <= 400:
        o3_8h = sub_index("o3_8h", max_o3_8h)
        indices["o3"] = max(indices.pop("o3_1h", o3_8h), o3_8h)
    elif "o3_1h" in indices:
        indices["o3"] = indices.pop("o3_1h")
    return overall(indices), indices


def band(aqi: int) -> Band:
    """The Table 1 band of an AQI value."""
    if not 0 <= aqi <= 500:
        raise ValueError(f"an AQI is within 0 … 500, not {aqi}")
    return next(b for b in BANDS if b.low <= aqi <= b.high)
