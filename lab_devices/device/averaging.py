"""Rolling means of a device's own readings, as a monitoring station computes them.

Regulations set limits on averages: QCVN 05:2023/BTNMT on 1 h, 8 h, 24 h and annual means
of ambient air, Decision 1459/QĐ-TCMT (2019) computes VN_AQI from 1 h means. A station
therefore keeps its readings as time-weighted sums in clock-aligned slots:

* each reading counts for the time since the previous one (its *weight*, in seconds), at
  most ``max_gap`` seconds: a longer silence (the station off line) is a data gap, not a
  long steady reading. The first reading after a gap counts ``max_gap`` at most, and the
  very first reading counts one second;
* a slot is ``slot`` seconds aligned on the epoch (a clock minute, a clock hour: Vietnam's
  UTC+7 offset is a whole number of hours, so epoch-aligned hours are local clock hours);
* the mean over a window is Σ(value × weight) / Σ(weight) over the slots of the window, and
  the window's *coverage* is Σ(weight) / window. A mean whose coverage is below
  ``min_coverage`` is not a mean: it is ``None``.

The 75 % coverage used by default is the station's own rule for a valid average (a common
data-completeness rule for continuous monitoring); QCVN 05:2023/BTNMT and Decision 1459
define the averages (1.3.6-1.3.9 of the QCVN; 2.2 of the Decision) but not a completeness
threshold, so it is stated here rather than attributed to them.
"""

from __future__ import annotations

import math
from collections import deque

DEFAULT_MIN_COVERAGE = 0.75


class SlotSums:
    """Time-weighted sums of one channel's readings in clock-aligned slots."""

    __slots__ = ("slot", "max_gap", "slots", "_last")

    def __init__(self, slot: float, keep: int, max_gap: float = 900.0) -> None:
        if slot <= 0:
            raise ValueError(f"slot must be positive seconds, not {slot}")
        if keep < 1:
            raise ValueError(f"keep must be at least one slot, not {keep}")
        if max_gap <= 0:
            raise ValueError(f"max_gap must be positive seconds, not {max_gap}")
        self.slot = float(slot)
        self.max_gap = float(max_gap)
        # [slot index, Σ value × weight, Σ weight], oldest first
        self.slots: deque[list[float]] = deque(maxlen=keep)
        self._last: float | None = None

    def index(self, now: float) -> int:
        return math.floor(now / self.slot)

    def add(self, now: float, value: float, max_gap: float | None = None) -> None:
        """Count one reading taken at ``now`` (epoch seconds).

        ``max_gap`` overrides the longest time one reading may stand for (a station that
        reports every 30 min covers its hour with two readings).
        """
        if not math.isfinite(value):
            raise ValueError(f"a reading must be a finite number, not {value!r}")
        if self._last is not None and now < self._last:
            raise ValueError(f"readings must come in time order: {now} is before {self._last}")
        gap = self.max_gap if max_gap is None else max_gap
        weight = 1.0 if self._last is None else min(now - self._last, gap)
        self._last = now
        if weight <= 0.0:
            return
        index = self.index(now)
        slots = self.slots
        if not slots or slots[-1][0] != index:
            slots.append([float(index), 0.0, 0.0])
        current = slots[-1]
        current[1] += value * weight
        current[2] += weight

    def window(self, now: float, count: int) -> tuple[float, float]:
        """(Σ value × weight, Σ weight) over the ``count`` slots ending with ``now``'s."""
        newest = self.index(now)
        oldest = newest - count + 1
        total = weight = 0.0
        for index, value_sum, slot_weight in reversed(self.slots):
            if index > newest:
                continue
            if index < oldest:
                break
            total += value_sum
            weight += slot_weight
        return total, weight

    def slot_mean(self, index: int, min_coverage: float = DEFAULT_MIN_COVERAGE) -> float | None:
        """The mean of one slot, or None when its readings cover too little of it."""
        for slot_index, value_sum, weight in reversed(self.slots):
            if slot_index == index:
                if weight < min_coverage * self.slot:
                    return None
                return value_sum / weight
            if slot_index < index:
                break
        return None


class RollingMean:
    """The mean of the last ``window`` seconds, over slots of ``slot`` seconds."""

    __slots__ = ("sums", "window", "count", "min_coverage")

    def __init__(self, window: float, slot: float, *, min_coverage: float = DEFAULT_MIN_COVERAGE,
                 max_gap: float = 900.0) -> None:
        if window <= 0 or slot <= 0:
            raise ValueError(f"window and slot must be positive seconds, not {window}, {slot}")
        count = window / slot
        if abs(count - round(count)) > 1e-9:
            raise ValueError(f"window {window} s is not a whole number of {slot} s slots")
        if not 0.0 < min_coverage <= 1.0:
            raise ValueError(f"min_coverage must be within (0, 1], not {min_coverage}")
        self.count = round(count)
        self.window = float(window)
        self.min_coverage = min_coverage
        self.sums = SlotSums(slot, self.count + 1, max_gap)

    def add(self, now: float, value: float, max_gap: float | None = None) -> None:
        self.sums.add(now, value, max_gap)

    def coverage(self, now: float) -> float:
        """The fraction of the window the readings cover (1.0 = no gap)."""
        return self.sums.window(now, self.count)[1] / self.window

    def mean(self, now: float) -> float | None:
        """The rolling mean at ``now``, or None before the readings cover enough of it.

        The window is the slot holding ``now`` and the ``count - 1`` slots before it, so a
        station running without a gap covers at least (count - 1) / count of it.
        """
        total, weight = self.sums.window(now, self.count)
        if weight < self.min_coverage * self.window:
            return None
        return total / weight


class HourlyMeans:
    """Clock-hour means of one channel: the 1 h means VN_AQI and the 8 h/24 h means use."""

    __slots__ = ("sums", "min_coverage")

    def __init__(self, keep_hours: int = 25, *, min_coverage: float = DEFAULT_MIN_COVERAGE,
                 max_gap: float = 900.0) -> None:
        self.sums = SlotSums(3600.0, keep_hours, max_gap)
        self.min_coverage = min_coverage

    def add(self, now: float, value: float, max_gap: float | None = None) -> None:
        self.sums.add(now, value, max_gap)

    def completed(self, now: float, count: int) -> list[float | None]:
        """The means of the ``count`` clock hours before ``now``'s, newest first.

        An hour whose readings cover less than ``min_coverage`` of it is None (no data).
        """
        current = self.sums.index(now)
        return [self.sums.slot_mean(current - offset, self.min_coverage)
                for offset in range(1, count + 1)]

    def hour_mean(self, index: int) -> float | None:
        """The mean of clock hour ``index`` (epoch seconds // 3600), or None (no data)."""
        return self.sums.slot_mean(index, self.min_coverage)

    def mean_of_hours(self, now: float, count: int, min_valid: int) -> float | None:
        """The mean of the last ``count`` completed hourly means, if ``min_valid`` are valid."""
        hours = [h for h in self.completed(now, count) if h is not None]
        if len(hours) < min_valid:
            return None
        return sum(hours) / len(hours)


class ChannelMeans:
    """What a station keeps of one channel: its rolling 1 h mean and its clock-hour means.

    The rolling 1 h mean uses 1 min slots (60 of them); the clock-hour means keep
    ``keep_hours`` (25 by default: a 24 h mean of completed hours and NowCast's 12).
    """

    __slots__ = ("rolling_1h", "hours")

    def __init__(self, keep_hours: int = 25, *,
                 min_coverage: float = DEFAULT_MIN_COVERAGE) -> None:
        self.rolling_1h = RollingMean(3600.0, 60.0, min_coverage=min_coverage)
        self.hours = HourlyMeans(keep_hours, min_coverage=min_coverage)

    def add(self, now: float, value: float, max_gap: float | None = None) -> None:
        self.rolling_1h.add(now, value, max_gap)
        self.hours.add(now, value, max_gap)
