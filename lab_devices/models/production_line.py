"""A packaging line run by a PLC: state, counts, cycle time, downtime reasons and OEE.

The line makes one part per cycle while ``running``. Its losses are those OEE is made to
show:

* **speed losses**: a cycle takes the cycle-time setpoint stretched by ``speed_loss`` on
  average (worn guides, the operator's pace), with slow variation over a shift; the
  setpoint itself may be set slower than the nameplate (``ideal_cycle_s``);
* **minor stops**: short stoppages (a mis-fed carton, a sensor to wipe) arrive at
  ``minor_stops_per_hour`` and last ``minor_stop_s`` on average; they are cleared at the
  machine and not booked as downtime, so they stay in the run time and lower performance;
* **quality losses**: each part is a reject with probability ``reject_rate``, rising by
  ``wear_per_hour`` of itself per running hour as the tooling wears, back to the base rate
  after a ``changeover`` or ``planned_maintenance``; the first ``startup_parts`` parts after
  every start are rejects with probability ``startup_reject_rate``;
* **availability losses**: jams arrive as a Poisson process (mean time between them
  ``mtbf_minutes``) and stop the line (``faulted``, reason ``jam``) until the trainee sends
  ``clear_fault``; material shortages starve it (``idle``) for a few minutes and clear by
  themselves; the operator stops it with a reason and starts it again.

OEE follows ISO 22400-2 (``lab_devices.device.oee``): planned stops (``planned_maintenance``,
``break``, ``changeover``) are out of the planned busy time; the telemetry carries the
counters (``planned_busy_s``, ``run_time_s``, ``ideal_cycle_s``, ``total``, ``good``) from
which a technician computes availability, performance (ISO's *effectiveness*), quality and
OEE by hand.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import Field

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import CommandError, Params, command
from lab_devices.device.oee import OeeCounters, oee_of
from lab_devices.device.physics import Wander

DOWNTIME_REASONS = ("jam", "material_shortage", "planned_maintenance", "break", "changeover",
                    "quality_check", "operator_stop")
PLANNED_STOPS = frozenset({"planned_maintenance", "break", "changeover"})
TOOLING_RESETS = frozenset({"planned_maintenance", "changeover"})
STATES = ("running", "idle", "stopped", "faulted")
JSON_TEXT = {value: json.dumps(value) for value in (*STATES, *DOWNTIME_REASONS, None)}
TELEMETRY = ('{"ts":%.3f,"seq":%d,"state":%s,"good":%d,"reject":%d,"cycle_time":%.2f,'
             '"downtime_reason":%s,"availability":%.4f,"performance":%.4f,"quality":%.4f,'
             '"oee":%.4f,"planned_busy_s":%.1f,"run_time_s":%.1f,"ideal_cycle_s":%.2f,'
             '"total":%d,"minor_stops":%d}')


class ProductionLineSettings(DeviceSettings):
    ideal_cycle_s: float = Field(12.0, gt=0.5, le=3600, description="Nameplate cycle time.")
    reject_rate: float = Field(0.02, ge=0, le=1, description="Base share of parts rejected.")
    speed_loss: float = Field(0.05, ge=0, le=1,
                              description="Mean share by which cycles run slower than set.")
    minor_stops_per_hour: float = Field(8.0, ge=0, le=120,
                                        description="Short unbooked stoppages per hour.")
    minor_stop_s: float = Field(40.0, gt=0, le=300, description="Mean minor stop duration.")
    wear_per_hour: float = Field(0.15, ge=0, le=10,
                                 description="Rise of the reject rate per running hour.")
    startup_parts: int = Field(5, ge=0, le=1000, description="Parts after a start at risk.")
    startup_reject_rate: float = Field(0.2, ge=0, le=1,
                                       description="Reject share of the start-up parts.")
    mtbf_minutes: float = Field(45.0, gt=0, description="Mean time between jams.")
    shortage_per_hour: float = Field(0.5, ge=0, description="Material shortages per hour.")
    sparkplug: bool = Field(False, description="Also speak Sparkplug B (NBIRTH/NDATA/NDEATH).")


class StopLine(Params):
    reason: Literal[DOWNTIME_REASONS] = "operator_stop"  # type: ignore[valid-type]


class SetCycleTime(Params):
    seconds: float = Field(gt=0, le=3600)


class ProductionLine(Device):
    """State, good and reject counts, cycle time, downtime and OEE of one line."""

    model = "production_line"
    description = "Packaging line PLC"
    units = {"state": "", "good": "parts", "reject": "parts", "cycle_time": "s",
             "downtime_reason": "", "availability": "", "performance": "", "quality": "",
             "oee": "", "planned_busy_s": "s", "run_time_s": "s", "ideal_cycle_s": "s",
             "total": "parts", "minor_stops": ""}
    precision = {"cycle_time": 2, "availability": 4, "performance": 4, "quality": 4, "oee": 4,
                 "planned_busy_s": 1, "run_time_s": 1, "ideal_cycle_s": 2}
    Settings = ProductionLineSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings: ProductionLineSettings = self.settings  # type: ignore[assignment]
        self.cycle_setpoint = settings.ideal_cycle_s
        self.cycle_noise = Wander(self.normal, sigma=0.03, tau=1800)
        self.line_state = "running"
        self.reason: str | None = None
        self.idle_until = 0.0
        self.good = 0
        self.reject = 0
        self.progress = 0.0
        self.run_time = 0.0
        self.planned_time = 0.0
        self.downtime: dict[str, float] = {}
        self.last_cycle = self.cycle_setpoint
        self.minor_until = float("-inf")
        self.minor_stops = 0
        self.wear_hours = 0.0
        self.parts_since_start = 0

    def _advance(self, dt: float, now: float) -> None:
        settings: ProductionLineSettings = self.settings  # type: ignore[assignment]
        if self.line_state == "idle" and now >= self.idle_until:
            self._start()
        if self.line_state != "running":
            if self.reason not in PLANNED_STOPS:
                self.planned_time += dt
            reason = self.reason or "unknown"
            self.downtime[reason] = self.downtime.get(reason, 0.0) + dt
            return
        self.planned_time += dt
        self.run_time += dt
        self.wear_hours += dt / 3600.0
        # A minor stop keeps the state "running" (it is not booked) but makes nothing.
        stopped = min(dt, max(0.0, self.minor_until - (now - dt)))
        slowdown = max(0.0, settings.speed_loss + self.cycle_noise.step(dt))
        self.last_cycle = self.cycle_setpoint * (1.0 + slowdown)
        self.progress += (dt - stopped) / self.last_cycle
        while self.progress >= 1.0:
            self.progress -= 1.0
            self._make_part(settings)
        if self.rng.random() < 1.0 - math.exp(-dt / (settings.mtbf_minutes * 60.0)):
            self.line_state, self.reason = "faulted", "jam"
        elif self.rng.random() < 1.0 - math.exp(-dt * settings.shortage_per_hour / 3600.0):
            self.line_state, self.reason = "idle", "material_shortage"
            self.idle_until = now + self.rng.uniform(60.0, 300.0)
        elif (now >= self.minor_until and self.rng.random()
              < 1.0 - math.exp(-dt * settings.minor_stops_per_hour / 3600.0)):
            length = min(300.0, max(5.0, self.rng.expovariate(1.0 / settings.minor_stop_s)))
            self.minor_until = now + length
            self.minor_stops += 1

    def _make_part(self, settings: ProductionLineSettings) -> None:
        if self.parts_since_start < settings.startup_parts:
            reject_p = settings.startup_reject_rate
        else:
            reject_p = min(1.0, settings.reject_rate * (1.0 + settings.wear_per_hour
                                                        * self.wear_hours))
        self.parts_since_start += 1
        if self.rng.random() < reject_p:
            self.reject += 1
        else:
            self.good += 1

    def _start(self) -> None:
        self.line_state, self.reason = "running", None
        self.parts_since_start = 0
        self.minor_until = float("-inf")

    def counters(self) -> OeeCounters:
        """The ISO 22400-2 counters of the line so far."""
        return OeeCounters(
            planned_busy_s=self.planned_time, actual_production_s=self.run_time,
            planned_run_time_per_unit_s=self.settings.ideal_cycle_s,  # type: ignore[attr-defined]
            produced_quantity=self.good + self.reject, good_quantity=self.good)

    def oee(self) -> dict[str, float]:
        """Availability, performance (ISO 22400-2 effectiveness), quality and OEE."""
        result = oee_of(self.counters())
        return {"availability": result.availability, "performance": result.effectiveness,
                "quality": result.quality_ratio, "oee": result.oee}

    def measure(self, now: float, dt: float) -> dict[str, Any]:
        self._advance(dt, now)
        return {"state": self.line_state, "good": self.good, "reject": self.reject,
                "cycle_time": self.last_cycle, "downtime_reason": self.reason, **self.oee(),
                "planned_busy_s": self.planned_time, "run_time_s": self.run_time,
                "ideal_cycle_s": self.settings.ideal_cycle_s,  # type: ignore[attr-defined]
                "total": self.good + self.reject, "minor_stops": self.minor_stops}

    def telemetry_payload(self, now: float, values: Any) -> bytes:
        # The state and reason come from fixed vocabularies, so their JSON is known: a
        # format string keeps this model off the slower json.dumps path.
        if self.faults.any_active or self.alarm_state:
            return super().telemetry_payload(now, values)
        return (TELEMETRY % (
            now, self.seq, JSON_TEXT[values["state"]], values["good"], values["reject"],
            values["cycle_time"], JSON_TEXT[values["downtime_reason"]],
            values["availability"], values["performance"], values["quality"], values["oee"],
            values["planned_busy_s"], values["run_time_s"], values["ideal_cycle_s"],
            values["total"], values["minor_stops"],
        )).encode()

    def alarms(self, values: Any) -> dict[str, str]:
        if self.line_state == "faulted":
            return {"line_faulted": f"line stopped by a {self.reason}"}
        return {}

    @command("Start the line (it must be stopped, not faulted).")
    def cmd_start(self, params: Params) -> dict[str, Any]:
        if self.line_state == "faulted":
            raise CommandError(f"line is faulted ({self.reason}); clear_fault first")
        if self.line_state == "running":
            raise CommandError("line is already running")
        if self.reason in TOOLING_RESETS:
            self.wear_hours = 0.0  # the tooling was changed or serviced during the stop
        self._start()
        return {"state": self.line_state}

    @command("Stop the line, giving the downtime reason.", StopLine)
    def cmd_stop(self, params: StopLine) -> dict[str, Any]:
        if self.line_state in ("stopped", "faulted"):
            raise CommandError(f"line is already {self.line_state}")
        self.line_state, self.reason = "stopped", params.reason
        self.record("line_stopped", {"reason": params.reason})
        return {"state": self.line_state, "reason": self.reason}

    @command("Clear a jam after removing it; the line restarts.")
    def cmd_clear_fault(self, params: Params) -> dict[str, Any]:
        if self.line_state != "faulted":
            raise CommandError(f"no fault to clear; the line is {self.line_state}")
        cleared = self.reason
        self._start()
        self.record("alarm_cleared", {"alarm": "line_faulted", "reason": cleared})
        return {"state": self.line_state, "cleared": cleared}

    @command("Set the cycle-time setpoint (not below the nameplate cycle).", SetCycleTime)
    def cmd_set_cycle_time(self, params: SetCycleTime) -> dict[str, Any]:
        ideal = self.settings.ideal_cycle_s  # type: ignore[attr-defined]
        if params.seconds < ideal:
            raise CommandError(
                f"set_cycle_time: {params.seconds} s is below the nameplate {ideal} s"
            )
        old, self.cycle_setpoint = self.cycle_setpoint, params.seconds
        self.record("setpoint_changed",
                    {"setpoint": "cycle_time", "from": old, "to": params.seconds})
        return {"cycle_time": self.cycle_setpoint}

    @command("Report OEE and downtime by reason so far.")
    def cmd_oee(self, params: Params) -> dict[str, Any]:
        c = self.counters()
        return {**{k: round(v, 4) for k, v in self.oee().items()},
                "downtime_s": {k: round(v, 1) for k, v in self.downtime.items()},
                "counters": {"planned_busy_s": round(c.planned_busy_s, 1),
                             "run_time_s": round(c.actual_production_s, 1),
                             "ideal_cycle_s": c.planned_run_time_per_unit_s,
                             "total": c.produced_quantity, "good": c.good_quantity,
                             "minor_stops": self.minor_stops}}

    def extra_state(self) -> dict[str, Any]:
        return {"state": self.line_state, "reason": self.reason,
                "cycle_setpoint": self.cycle_setpoint, "good": self.good, "reject": self.reject,
                "planned_busy_s": self.planned_time, "run_time_s": self.run_time,
                "minor_stops": self.minor_stops, **self.oee()}
