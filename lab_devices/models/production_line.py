"""A packaging line run by a PLC: state, counts, cycle time and downtime reasons.

The line makes one part per cycle while ``running``. A cycle takes the cycle-time
setpoint, stretched by a few per cent of correlated variation; each part is a reject with
probability ``reject_rate``. Jams arrive as a Poisson process (mean time between them
``mtbf_minutes``) and stop the line (``faulted``, reason ``jam``) until the trainee sends
``clear_fault``; material shortages starve it (``idle``) for a few minutes and clear by
themselves. The operator stops it with a reason and starts it again.

OEE = availability × performance × quality, with planned stops (``planned_maintenance``,
``break``, ``changeover``) taken out of planned time, as the usual definition has it.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import Field

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import CommandError, Params, command
from lab_devices.device.physics import Wander

DOWNTIME_REASONS = ("jam", "material_shortage", "planned_maintenance", "break", "changeover",
                    "quality_check", "operator_stop")
PLANNED_STOPS = frozenset({"planned_maintenance", "break", "changeover"})
STATES = ("running", "idle", "stopped", "faulted")
JSON_TEXT = {value: json.dumps(value) for value in (*STATES, *DOWNTIME_REASONS, None)}
TELEMETRY = ('{"ts":%.3f,"seq":%d,"state":%s,"good":%d,"reject":%d,"cycle_time":%.2f,'
             '"downtime_reason":%s,"availability":%.4f,"performance":%.4f,"quality":%.4f,'
             '"oee":%.4f}')


class ProductionLineSettings(DeviceSettings):
    ideal_cycle_s: float = Field(12.0, gt=0.5, le=3600, description="Nameplate cycle time.")
    reject_rate: float = Field(0.02, ge=0, le=1, description="Share of parts rejected.")
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
             "oee": ""}
    precision = {"cycle_time": 2, "availability": 4, "performance": 4, "quality": 4, "oee": 4}
    Settings = ProductionLineSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings: ProductionLineSettings = self.settings  # type: ignore[assignment]
        self.cycle_setpoint = settings.ideal_cycle_s
        self.cycle_noise = Wander(self.normal, sigma=0.03, tau=300)
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

    def _advance(self, dt: float, now: float) -> None:
        settings: ProductionLineSettings = self.settings  # type: ignore[assignment]
        if self.line_state == "idle" and now >= self.idle_until:
            self.line_state, self.reason = "running", None
        if self.line_state != "running":
            if self.reason not in PLANNED_STOPS:
                self.planned_time += dt
            reason = self.reason or "unknown"
            self.downtime[reason] = self.downtime.get(reason, 0.0) + dt
            return
        self.planned_time += dt
        self.run_time += dt
        self.last_cycle = self.cycle_setpoint * math.exp(self.cycle_noise.step(dt))
        self.progress += dt / self.last_cycle
        while self.progress >= 1.0:
            self.progress -= 1.0
            if self.rng.random() < settings.reject_rate:
                self.reject += 1
            else:
                self.good += 1
        if self.rng.random() < 1.0 - math.exp(-dt / (settings.mtbf_minutes * 60.0)):
            self.line_state, self.reason = "faulted", "jam"
        elif self.rng.random() < 1.0 - math.exp(-dt * settings.shortage_per_hour / 3600.0):
            self.line_state, self.reason = "idle", "material_shortage"
            self.idle_until = now + self.rng.uniform(60.0, 300.0)

    def oee(self) -> dict[str, float]:
        """Availability, performance, quality and their product, each 0..1."""
        ideal = self.settings.ideal_cycle_s  # type: ignore[attr-defined]
        total = self.good + self.reject
        availability = self.run_time / self.planned_time if self.planned_time else 0.0
        performance = min(1.0, ideal * total / self.run_time) if self.run_time else 0.0
        quality = self.good / total if total else 0.0
        return {"availability": availability, "performance": performance, "quality": quality,
                "oee": availability * performance * quality}

    def measure(self, now: float, dt: float) -> dict[str, Any]:
        self._advance(dt, now)
        return {"state": self.line_state, "good": self.good, "reject": self.reject,
                "cycle_time": self.last_cycle, "downtime_reason": self.reason, **self.oee()}

    def telemetry_payload(self, now: float, values: Any) -> bytes:
        # The state and reason come from fixed vocabularies, so their JSON is known: a
        # format string keeps this model off the slower json.dumps path.
        if self.faults.any_active or self.alarm_state:
            return super().telemetry_payload(now, values)
        return (TELEMETRY % (
            now, self.seq, JSON_TEXT[values["state"]], values["good"], values["reject"],
            values["cycle_time"], JSON_TEXT[values["downtime_reason"]],
            values["availability"], values["performance"], values["quality"], values["oee"],
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
        self.line_state, self.reason = "running", None
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
        self.line_state, self.reason = "running", None
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
        return {**{k: round(v, 4) for k, v in self.oee().items()},
                "downtime_s": {k: round(v, 1) for k, v in self.downtime.items()}}

    def extra_state(self) -> dict[str, Any]:
        return {"state": self.line_state, "reason": self.reason,
                "cycle_setpoint": self.cycle_setpoint, "good": self.good, "reject": self.reject,
                **self.oee()}
