"""EVN time-of-use schedules, retail prices and the energy registers a tariff meter keeps.

A ``TouSchedule`` says which period (``normal``, ``peak``, ``off_peak``) is in force at a
moment, from a table of hours per day type (Monday to Saturday, Sunday) read from data. A
``Prices`` is the VND/kWh of each period at one supply voltage. ``TouRegisters``
integrates power into energy per period and prices it: power is taken as varying linearly
between two readings (the trapezoid rule), and an interval that crosses a period boundary
is split there, so the registers are exact for any load that is linear between ticks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lab_devices.device.physics import VIETNAM_UTC_OFFSET_HOURS

PERIODS = ("normal", "peak", "off_peak")
DAY_S = 86_400.0
_EPS = 1e-9


class TariffDataError(ValueError):
    """A schedule or price table is malformed; the message names the table and the field."""


@dataclass(frozen=True)
class TouSchedule:
    """The time-of-use periods by local hour, for Monday to Saturday and for Sunday."""

    name: str
    source: str
    weekday: tuple[tuple[float, float, str], ...]
    sunday: tuple[tuple[float, float, str], ...]
    offset_hours: float = VIETNAM_UTC_OFFSET_HOURS

    @classmethod
    def from_table(cls, table: Mapping[str, Any], name: str | None = None) -> TouSchedule:
        """The schedule ``name`` of a ``tou_periods`` table (by default the one in force)."""
        schedules = table.get("schedules")
        if not isinstance(schedules, Mapping):
            raise TariffDataError("tou_periods: 'schedules' must be a mapping")
        chosen = name or str(table.get("in_force", ""))
        if chosen not in schedules:
            known = ", ".join(sorted(schedules))
            raise TariffDataError(f"tou_periods: no schedule {chosen!r}; schedules: {known}")
        entry = schedules[chosen]
        return cls(chosen, str(entry.get("source", "")),
                   _day_rows(entry.get("weekday"), f"{chosen}.weekday"),
                   _day_rows(entry.get("sunday"), f"{chosen}.sunday"))

    def _local(self, now: float) -> tuple[float, int, float]:
        """(seconds since local midnight, weekday Monday=0, epoch of that midnight)."""
        local = now + self.offset_hours * 3600.0
        day = local // DAY_S
        midnight = day * DAY_S - self.offset_hours * 3600.0
        return local - day * DAY_S, int((day + 3) % 7), midnight  # 1970-01-01 was a Thursday

    def rows_for(self, weekday: int) -> tuple[tuple[float, float, str], ...]:
        return self.sunday if weekday == 6 else self.weekday

    def period_at(self, now: float) -> str:
        """The period in force at ``now`` (epoch seconds)."""
        return self.period_span(now)[0]

    def period_span(self, now: float) -> tuple[str, float]:
        """The period in force at ``now`` and the epoch second at which it ends."""
        seconds, weekday, midnight = self._local(now)
        hour = seconds / 3600.0
        for start, end, period in self.rows_for(weekday):
            if start <= hour < end:
                return period, midnight + end * 3600.0
        raise AssertionError("a validated schedule covers every hour")  # pragma: no cover


def _day_rows(rows: Any, where: str) -> tuple[tuple[float, float, str], ...]:
    if not isinstance(rows, Sequence) or not rows:
        raise TariffDataError(f"tou_periods: {where} must be a non-empty list of periods")
    out: list[tuple[float, float, str]] = []
    expected = 0.0
    for index, row in enumerate(rows):
        try:
            start, end, period = float(row["from"]), float(row["to"]), str(row["period"])
        except (KeyError, TypeError, ValueError):
            raise TariffDataError(
                f"tou_periods: {where}[{index}] needs numeric 'from', 'to' and a 'period'"
            ) from None
        if period not in PERIODS:
            raise TariffDataError(
                f"tou_periods: {where}[{index}] period {period!r} is not one of {PERIODS}")
        if abs(start - expected) > _EPS or end <= start:
            raise TariffDataError(
                f"tou_periods: {where}[{index}] runs {start}-{end} h; it must start at "
                f"{expected} h and end after it (periods cover 0-24 h in order, no gap)")
        out.append((start, end, period))
        expected = end
    if abs(expected - 24.0) > _EPS:
        raise TariffDataError(f"tou_periods: {where} ends at {expected} h, not 24 h")
    return tuple(out)


@dataclass(frozen=True)
class Prices:
    """VND/kWh of each period at one supply voltage, before VAT."""

    voltage_level: str
    label: str
    source: str
    per_kwh: Mapping[str, float]

    @classmethod
    def from_table(cls, table: Mapping[str, Any], voltage_level: str) -> Prices:
        levels = table.get("voltage_levels")
        if not isinstance(levels, Mapping) or voltage_level not in levels:
            known = ", ".join(sorted(levels)) if isinstance(levels, Mapping) else "none"
            raise TariffDataError(
                f"evn_retail_prices: no voltage level {voltage_level!r}; levels: {known}")
        row = levels[voltage_level]
        try:
            per_kwh = {period: float(row[period]) for period in PERIODS}
        except (KeyError, TypeError, ValueError):
            raise TariffDataError(
                f"evn_retail_prices: {voltage_level} needs a number for each of {PERIODS}"
            ) from None
        if any(price <= 0 for price in per_kwh.values()):
            raise TariffDataError(f"evn_retail_prices: {voltage_level} has a price <= 0")
        return cls(voltage_level, str(row.get("label", "")), str(table.get("source", "")),
                   per_kwh)

    def cost(self, kwh_by_period: Mapping[str, float]) -> float:
        """VND for the energy of each period (kWh), before VAT."""
        unknown = set(kwh_by_period) - set(PERIODS)
        if unknown:
            raise ValueError(f"cost: unknown period(s) {sorted(unknown)}; periods: {PERIODS}")
        return sum(kwh * self.per_kwh[period] for period, kwh in kwh_by_period.items())


@dataclass
class TouRegisters:
    """kWh and kvarh totals, kWh and VND per period, integrated from power readings."""

    schedule: TouSchedule
    prices: Prices
    kwh: float = 0.0
    kvarh: float = 0.0
    kwh_by_period: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PERIODS, 0.0))
    _period: str = ""
    _period_end: float = float("-inf")

    def add(self, t0: float, t1: float, kw0: float, kw1: float,
            kvar0: float = 0.0, kvar1: float = 0.0) -> None:
        """Integrate power from ``kw0`` at ``t0`` to ``kw1`` at ``t1`` (linear between)."""
        if t1 < t0:
            raise ValueError(f"add: interval ends ({t1}) before it starts ({t0})")
        if t1 == t0:
            return
        self.kvarh += (kvar0 + kvar1) / 2.0 * (t1 - t0) / 3600.0
        self.kwh += (kw0 + kw1) / 2.0 * (t1 - t0) / 3600.0
        slope = (kw1 - kw0) / (t1 - t0)
        start, p_start = t0, kw0
        while start < t1:
            if start >= self._period_end:
                self._period, self._period_end = self.schedule.period_span(start)
                if self._period_end <= start:  # rounding put ``start`` just before a boundary
                    self._period, self._period_end = self.schedule.period_span(start + 1e-6)
            end = min(t1, self._period_end)
            p_end = kw0 + slope * (end - t0)
            self.kwh_by_period[self._period] += (p_start + p_end) / 2.0 * (end - start) / 3600.0
            start, p_start = end, p_end

    def period_at(self, now: float) -> str:
        """The period in force at ``now``, from the cache while the readings move forward."""
        if not self._period or now >= self._period_end:
            self._period, self._period_end = self.schedule.period_span(now)
        return self._period

    def cost_by_period(self) -> dict[str, float]:
        return {period: kwh * self.prices.per_kwh[period]
                for period, kwh in self.kwh_by_period.items()}

    def cost(self) -> float:
        return self.prices.cost(self.kwh_by_period)
