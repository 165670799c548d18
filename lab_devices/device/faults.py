"""Faults a lab puts on a device, and the record of what the trainee did about them.

A fault is scheduled (``at`` seconds after the lab starts, for ``duration`` seconds or
until the trainee fixes it) or injected at run time. While active it changes what the
device reports:

| kind | effect | fixed by (device action) |
| --- | --- | --- |
| ``stuck`` | the channel repeats the value it had when the fault began | ``restart`` |
| ``drift`` | the channel drifts by ``rate`` units per hour | ``calibrate`` the channel |
| ``spikes`` | with ``probability`` a reading jumps by ``magnitude`` | ``set_filter`` on it |
| ``dropout`` | with ``probability`` a telemetry message is lost | ``restart`` |
| ``offline`` | the device goes silent, status ``offline`` | its end (nothing remote) |
| ``low_battery`` | ``battery`` falls to ``level`` % and keeps falling | ``replace_battery`` |
| ``miscalibration`` | reading = value × ``gain`` + ``offset`` | ``calibrate`` the channel |
| ``interference`` | the radio channel loses ``magnitude`` dB | ``set_channel`` |

Every fault keeps a ``FaultRecord``: when it began and ended, whether the trainee's fix
ended it (and with what), and whether the trainee reported it correctly
(``report_fault``). Labs score those records, and a break-fix check reads from them
how long the trainee took: ``repair_s`` is the seconds from the fault's start (its
injection) to the trainee's fix, ``reported_after_s`` the seconds to a correct report.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal[
    "stuck", "drift", "spikes", "dropout", "offline", "low_battery", "miscalibration",
    "interference",
]
FAULT_KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]

# The device action that ends each kind of fault; None: only its schedule ends it.
REMEDIES: dict[str, str | None] = {
    "stuck": "restart",
    "drift": "calibrate",
    "spikes": "set_filter",
    "dropout": "restart",
    "offline": None,
    "low_battery": "replace_battery",
    "miscalibration": "calibrate",
    "interference": "set_channel",
}
# Kinds that act on one reading and so need a channel.
CHANNEL_KINDS = frozenset({"stuck", "drift", "spikes", "miscalibration", "interference"})


@dataclass(frozen=True)
class Fault:
    """A fault's definition, as a lab file or an instructor gives it."""

    kind: str
    channel: str | None = None
    at: float = 0.0
    duration: float | None = None
    rate: float = 1.0
    probability: float = 0.2
    magnitude: float = 10.0
    gain: float = 1.0
    offset: float = 0.0
    level: float = 8.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if self.kind in CHANNEL_KINDS and not self.channel:
            raise ValueError(f"a {self.kind} fault needs a channel")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within 0..1, not {self.probability}")
        if self.duration is not None and self.duration <= 0:
            raise ValueError(f"duration must be positive, not {self.duration}")


@dataclass
class FaultRecord:
    """One fault's life on one device, and the trainee's part in it."""

    fault: Fault
    starts_at: float
    ends_at: float | None
    started: bool = False
    ended_at: float | None = None
    ended_by: str | None = None
    reported_at: float | None = None
    stuck_value: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def active(self, now: float) -> bool:
        return self.started and self.ended_at is None

    @property
    def repair_s(self) -> float | None:
        """Seconds from the fault's start to the trainee's fix; None unless the trainee
        ended it."""
        if self.ended_by != "trainee" or self.ended_at is None:
            return None
        return self.ended_at - self.starts_at

    @property
    def reported_after_s(self) -> float | None:
        """Seconds from the fault's start to the trainee's correct report; None if none."""
        return None if self.reported_at is None else self.reported_at - self.starts_at

    def summary(self) -> dict[str, Any]:
        """What a lab check reads: the fault, and whether the trainee dealt with it."""
        return {
            "kind": self.fault.kind,
            "channel": self.fault.channel,
            "started": self.started,
            "starts_at": self.starts_at,
            "ended_at": self.ended_at,
            "ended_by": self.ended_by,
            "resolved": self.ended_by == "trainee",
            "reported": self.reported_at is not None,
            "reported_at": self.reported_at,
            "repair_s": self.repair_s,
            "reported_after_s": self.reported_after_s,
        }


class FaultBoard:
    """The faults of one device: scheduling, their effect on readings, and their records."""

    def __init__(self, faults: list[Fault], lab_started_at: float) -> None:
        self.lab_started_at = lab_started_at
        self.records: list[FaultRecord] = []
        self._active: list[FaultRecord] = []
        for fault in faults:
            self._add(fault, lab_started_at + fault.at)

    def _add(self, fault: Fault, starts_at: float) -> FaultRecord:
        ends_at = None if fault.duration is None else starts_at + fault.duration
        record = FaultRecord(fault, starts_at, ends_at)
        self.records.append(record)
        return record

    def inject(self, fault: Fault, now: float) -> FaultRecord:
        """Start a fault now (``fault.at`` is ignored), as an instructor does."""
        return self._add(fault, now)

    def update(self, now: float) -> None:
        """Start the faults that are due and end those whose time is over."""
        for record in self.records:
            if not record.started and now >= record.starts_at and record.ended_at is None:
                record.started = True
                self._active.append(record)
            if record.started and record.ended_at is None and record.ends_at is not None:
                if now >= record.ends_at:
                    self._end(record, record.ends_at, "schedule")

    def _end(self, record: FaultRecord, now: float, by: str) -> None:
        record.ended_at = now
        record.ended_by = by
        self._active.remove(record)

    @property
    def any_active(self) -> bool:
        return bool(self._active)

    def active(self, kind: str | None = None) -> list[FaultRecord]:
        return [r for r in self._active if kind is None or r.fault.kind == kind]

    def offline(self) -> bool:
        return any(r.fault.kind == "offline" for r in self._active)

    def drops(self, rng: random.Random) -> bool:
        """Whether a dropout fault loses this telemetry message."""
        return any(
            r.fault.kind == "dropout" and rng.random() < r.fault.probability for r in self._active
        )

    def apply(self, values: dict[str, float], now: float, rng: random.Random) -> None:
        """Change the readings in place as the active faults would."""
        for record in self._active:
            fault = record.fault
            channel = fault.channel
            if fault.kind == "low_battery" and "battery" in values:
                hours = (now - record.starts_at) / 3600.0
                level = fault.level - fault.rate * hours
                values["battery"] = max(0.0, min(values["battery"], level))
            if channel is None or channel not in values:
                continue
            values[channel] = self.distort(record, values[channel], now, rng)

    def distort(self, record: FaultRecord, value: float, now: float, rng: random.Random) -> float:
        """One reading as the fault makes it."""
        fault = record.fault
        if fault.kind == "stuck":
            if record.stuck_value is None:
                record.stuck_value = value
            return record.stuck_value
        if fault.kind == "drift":
            return value + fault.rate * (now - record.starts_at) / 3600.0
        if fault.kind == "spikes":
            return value + fault.magnitude if rng.random() < fault.probability else value
        if fault.kind == "miscalibration":
            return value * fault.gain + fault.offset
        if fault.kind == "interference":
            return value - fault.magnitude
        return value

    def remedy(self, action: str, channel: str | None, now: float) -> list[FaultRecord]:
        """End the active faults that ``action`` (on ``channel``) fixes; return them."""
        fixed = [
            r for r in self._active
            if REMEDIES[r.fault.kind] == action
            and (channel is None or r.fault.channel in (None, channel))
        ]
        for record in fixed:
            self._end(record, now, "trainee")
        return fixed

    def report(self, kind: str, channel: str | None, now: float) -> FaultRecord | None:
        """Record a trainee's diagnosis; return the fault it names, if one is active."""
        for record in self._active:
            if record.fault.kind == kind and (channel is None or record.fault.channel == channel):
                if record.reported_at is None:
                    record.reported_at = now
                return record
        return None

    def summaries(self) -> list[dict[str, Any]]:
        return [record.summary() for record in self.records]
