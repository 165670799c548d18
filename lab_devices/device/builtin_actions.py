"""The actions every device takes, whatever its model.

| action | parameters | evidence |
| --- | --- | --- |
| ``ping`` | | |
| ``get`` | | |
| ``set_interval`` | ``seconds`` | ``setpoint_changed`` |
| ``ack_alarm`` | ``alarm`` | ``alarm_acknowledged`` |
| ``calibrate`` | ``channel``, ``reference`` | ``calibration_applied`` |
| ``set_filter`` | ``channel``, ``window`` (odd, 1 = off) | ``filter_set`` |
| ``restart`` | | ``device_restarted`` |
| ``replace_battery`` | | ``battery_replaced`` (battery devices only) |
| ``report_fault`` | ``kind``, ``channel`` | ``fault_reported`` with ``correct`` |

Every accepted command is also recorded as ``command_accepted``, every rejected one as
``command_rejected``, and a fault that a fix ends as ``fault_resolved``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from lab_devices.device.commands import CommandError, Params, command
from lab_devices.device.faults import FAULT_KINDS, FaultRecord

if TYPE_CHECKING:
    from lab_devices.device.faults import FaultBoard
    from lab_devices.device.messages import Evidence


class SetInterval(Params):
    seconds: float = Field(ge=0.1, le=3600)


class AckAlarm(Params):
    alarm: str = Field(min_length=1, max_length=64)


class Calibrate(Params):
    channel: str = Field(min_length=1, max_length=64)
    reference: float


class SetFilter(Params):
    channel: str = Field(min_length=1, max_length=64)
    window: int = Field(ge=1, le=15)


class ReportFault(Params):
    kind: str = Field(min_length=1, max_length=32)
    channel: str | None = Field(None, max_length=64)


class BuiltinActions:
    """Mixin of the actions every Device takes; ``self`` is a Device."""

    if TYPE_CHECKING:  # what the mixin uses of the Device it is mixed into
        units: ClassVar[dict[str, str]]
        precision: ClassVar[dict[str, int]]
        now: float
        interval: float
        values: dict[str, Any]
        filters: dict[str, deque[float]]
        alarm_state: dict[str, dict[str, Any]]
        faults: FaultBoard
        rng: Any

        def record(self, action: str, detail: dict[str, Any]) -> Evidence: ...

    def _channel(self, channel: str) -> None:
        if channel not in self.units:
            raise CommandError(
                f"unknown channel {channel!r}; this device has: {', '.join(self.units)}"
            )

    def _resolved(self, fixed: list[FaultRecord], action: str) -> list[str]:
        for record in fixed:
            self.record("fault_resolved", {"kind": record.fault.kind,
                                           "channel": record.fault.channel, "by": action})
        return [record.fault.kind for record in fixed]

    @command("Answer at once; proves the command path works.")
    def cmd_ping(self, params: Params) -> dict[str, Any]:
        return {"pong": True, "ts": round(self.now, 3)}

    @command("Return the latest readings.")
    def cmd_get(self, params: Params) -> dict[str, Any]:
        return {"values": {k: round(v, self.precision.get(k, 2)) for k, v in self.values.items()}}

    @command("Set the seconds between telemetry messages.", SetInterval)
    def cmd_set_interval(self, params: SetInterval) -> dict[str, Any]:
        old, self.interval = self.interval, params.seconds
        self.record("setpoint_changed", {"setpoint": "interval", "from": old, "to": self.interval})
        return {"interval": self.interval}

    @command("Acknowledge an active alarm.", AckAlarm)
    def cmd_ack_alarm(self, params: AckAlarm) -> dict[str, Any]:
        state = self.alarm_state.get(params.alarm)
        if state is None:
            active = ", ".join(self.alarm_state) or "none"
            raise CommandError(f"no active alarm {params.alarm!r}; active: {active}")
        state["acked"] = True
        self.record("alarm_acknowledged", {"alarm": params.alarm, "text": state["text"]})
        return {"alarm": params.alarm, "acked": True}

    @command("Calibrate a channel against a reference of known value.", Calibrate)
    def cmd_calibrate(self, params: Calibrate) -> dict[str, Any]:
        self._channel(params.channel)
        # The probe reads the reference through whatever is wrong with it now.
        reading = {params.channel: params.reference}
        self.faults.apply(reading, self.now, self.rng)
        error = reading[params.channel] - params.reference
        fixed = self.faults.remedy("calibrate", params.channel, self.now)
        self.record("calibration_applied", {"channel": params.channel,
                                            "reference": params.reference, "error": error})
        return {"channel": params.channel, "error_before": round(error, 4),
                "resolved": self._resolved(fixed, "calibrate")}

    @command("Median-filter a channel over `window` readings (1 turns it off).", SetFilter)
    def cmd_set_filter(self, params: SetFilter) -> dict[str, Any]:
        self._channel(params.channel)
        if params.window % 2 == 0:
            raise CommandError(f"set_filter: window must be odd, not {params.window}")
        if params.window == 1:
            self.filters.pop(params.channel, None)
        else:
            self.filters[params.channel] = deque(maxlen=params.window)
        fixed = []
        if params.window > 1:
            fixed = self.faults.remedy("set_filter", params.channel, self.now)
        self.record("filter_set", {"channel": params.channel, "window": params.window})
        return {"channel": params.channel, "window": params.window,
                "resolved": self._resolved(fixed, "set_filter")}

    @command("Restart the device's sensors and firmware.")
    def cmd_restart(self, params: Params) -> dict[str, Any]:
        fixed = self.faults.remedy("restart", None, self.now)
        self.record("device_restarted", {})
        return {"restarted": True, "resolved": self._resolved(fixed, "restart")}

    @command("Replace the battery (a field visit).")
    def cmd_replace_battery(self, params: Params) -> dict[str, Any]:
        if "battery" not in self.units:
            raise CommandError("this device has no battery; it is mains-powered")
        fixed = self.faults.remedy("replace_battery", None, self.now)
        self.on_battery_replaced()
        self.record("battery_replaced", {})
        return {"battery": 100.0, "resolved": self._resolved(fixed, "replace_battery")}

    def on_battery_replaced(self) -> None:
        """Models with a battery reset their charge here."""

    @command("Report a diagnosis: which fault you believe the device has.", ReportFault)
    def cmd_report_fault(self, params: ReportFault) -> dict[str, Any]:
        if params.kind not in FAULT_KINDS:
            known = ", ".join(FAULT_KINDS)
            raise CommandError(f"unknown fault kind {params.kind!r}; known: {known}")
        if params.channel is not None:
            self._channel(params.channel)
        record = self.faults.report(params.kind, params.channel, self.now)
        correct = record is not None
        self.record("fault_reported", {"kind": params.kind, "channel": params.channel,
                                       "correct": correct})
        return {"kind": params.kind, "channel": params.channel, "correct": correct}
