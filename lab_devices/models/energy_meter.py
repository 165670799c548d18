"""A three-phase energy meter on a factory's low-voltage supply (220/380 V, 50 Hz).

Readings and their physics:

* ``v1``..``v3`` (V): phase-to-neutral voltage, 220 V nominal, sagging with load through
  the supply impedance, with slow correlated wander.
* ``i1``..``i3`` (A): I = P / (V · PF) per phase; the phases share the load unevenly by a
  few per cent, as single-phase loads do.
* ``pf``: power factor; induction motors run at a poorer PF at light load.
* ``kw``: active power, following a load profile (a day shift, an evening shift and a
  night base load; Sunday at base load), scaled to ``rated_kw``.
* ``kvar``: reactive power, P · tan(acos PF).
* ``kwh``, ``kvarh``: energy registers integrated tick by tick, and ``kwh_normal``,
  ``kwh_peak``, ``kwh_off_peak`` split by EVN's time-of-use periods, which are data
  (``data/tou_periods.yaml``).

Alarms: a phase below 80 % of nominal (phase loss), above 110 %, or a power factor under
the 0.9 that the reactive-power rules charge for. A ``ct_ratio`` setting mirrors the
current transformers; a wrong ratio is a miscalibration the trainee finds and fixes with
``set_ct_ratio``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import CommandError, Params, command
from lab_devices.device.physics import Wander, local_hour, local_weekday
from lab_devices.models import data

NOMINAL_V = 220.0
# Hourly load as a share of rated power: a factory on two shifts with a night base load.
LOAD_PROFILE = (
    0.25, 0.25, 0.25, 0.25, 0.25, 0.3, 0.55, 0.85, 0.95, 0.95, 0.95, 0.8,
    0.7, 0.9, 0.95, 0.95, 0.9, 0.85, 0.7, 0.65, 0.6, 0.5, 0.3, 0.25,
)


class EnergyMeterSettings(DeviceSettings):
    rated_kw: float = Field(250.0, gt=0, le=50_000, description="The factory's rated load.")
    ct_ratio: int = Field(400, ge=5, le=10_000, description="Current transformer ratio (x/5 A).")
    installed_ct_ratio: int | None = Field(
        None, ge=5, le=10_000, description="The CTs really fitted; differs to stage a fault."
    )


class SetCtRatio(Params):
    ratio: int = Field(ge=5, le=10_000)


def tou_period(now: float, table: Mapping[str, Any]) -> str:
    """The EVN time-of-use period in force at ``now``."""
    hour = local_hour(now)
    rows = table["sunday"] if local_weekday(now) == 6 else table["weekday"]
    for row in rows:
        if row["from"] <= hour < row["to"]:
            return str(row["period"])
    raise ValueError(f"tou_periods.yaml leaves hour {hour:.2f} uncovered")


class ThreePhaseEnergyMeter(Device):
    """V and I per phase, PF, kW, kvar and the kWh/kvarh registers."""

    model = "energy_meter"
    description = "Three-phase four-wire energy meter, 220/380 V 50 Hz"
    units = {"v1": "V", "v2": "V", "v3": "V", "i1": "A", "i2": "A", "i3": "A", "pf": "",
             "kw": "kW", "kvar": "kvar", "kwh": "kWh", "kvarh": "kvarh",
             "kwh_normal": "kWh", "kwh_peak": "kWh", "kwh_off_peak": "kWh"}
    precision = {"pf": 3, "kwh": 3, "kvarh": 3, "kwh_normal": 3, "kwh_peak": 3,
                 "kwh_off_peak": 3}
    Settings = EnergyMeterSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings: EnergyMeterSettings = self.settings  # type: ignore[assignment]
        self.ct_ratio = settings.ct_ratio
        self.installed_ct_ratio = settings.installed_ct_ratio or settings.ct_ratio
        self.tou = data.load("tou_periods")
        self.min_pf = float(self.tou["reactive_power"]["min_power_factor"])
        self.load_noise = Wander(self.normal, sigma=0.04, tau=120)
        self.volt_noise = [Wander(self.normal, sigma=1.2, tau=300) for _ in range(3)]
        self.share = [1.0 + self.rng.gauss(0, 0.03) for _ in range(3)]
        total = sum(self.share)
        self.share = [3 * s / total for s in self.share]
        self._tou_minute = -1
        self._tou_name = ""
        self.registers = {"kwh": 0.0, "kvarh": 0.0, "kwh_normal": 0.0, "kwh_peak": 0.0,
                          "kwh_off_peak": 0.0}

    def _tou_register(self, now: float) -> str:
        # Periods change on the half hour at the finest: look the period up once a minute.
        minute = int(now // 60)
        if minute != self._tou_minute:
            self._tou_minute = minute
            self._tou_name = f"kwh_{tou_period(now, self.tou)}"
        return self._tou_name

    def load_share(self, now: float) -> float:
        hour = local_hour(now)
        base = LOAD_PROFILE[int(hour)]
        if local_weekday(now) == 6:
            base = min(base, 0.3)
        return max(0.05, base * (1.0 + self.load_noise.value))

    def measure(self, now: float, dt: float) -> dict[str, float]:
        settings: EnergyMeterSettings = self.settings  # type: ignore[assignment]
        self.load_noise.step(dt)
        share = self.load_share(now)
        kw = settings.rated_kw * share
        pf = 0.97 - 0.17 * math.exp(-3.0 * share)
        kvar = kw * math.tan(math.acos(pf))
        # The meter scales secondary current by the ratio it is told, not the one fitted.
        current_scale = self.ct_ratio / self.installed_ct_ratio
        values: dict[str, float] = {}
        for phase in range(3):
            volts = NOMINAL_V * (1.0 - 0.03 * share) + self.volt_noise[phase].step(dt)
            amps = kw * 1000.0 / 3.0 * self.share[phase] / (volts * pf)
            values[f"v{phase + 1}"] = volts
            values[f"i{phase + 1}"] = amps * current_scale
        kw_seen = kw * current_scale
        kvar_seen = kvar * current_scale
        hours = dt / 3600.0
        self.registers["kwh"] += kw_seen * hours
        self.registers["kvarh"] += kvar_seen * hours
        self.registers[self._tou_register(now)] += kw_seen * hours
        values.update(pf=pf, kw=kw_seen, kvar=kvar_seen, **self.registers)
        return values

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        raised = {}
        for phase in (1, 2, 3):
            volts = values.get(f"v{phase}", NOMINAL_V)
            if volts < 0.8 * NOMINAL_V:
                raised[f"phase{phase}_loss"] = f"phase {phase} at {volts:.0f} V"
            elif volts > 1.1 * NOMINAL_V:
                raised[f"phase{phase}_over"] = f"phase {phase} at {volts:.0f} V"
        if values.get("pf", 1.0) < self.min_pf:
            raised["pf_low"] = f"power factor {values['pf']:.3f} below {self.min_pf}"
        return raised

    @command("Set the current transformer ratio the meter scales by (x/5 A).", SetCtRatio)
    def cmd_set_ct_ratio(self, params: SetCtRatio) -> dict[str, Any]:
        if params.ratio % 5:
            raise CommandError(f"set_ct_ratio: ratio must be a multiple of 5, not {params.ratio}")
        old, self.ct_ratio = self.ct_ratio, params.ratio
        self.record("setpoint_changed", {"setpoint": "ct_ratio", "from": old, "to": params.ratio})
        return {"ct_ratio": self.ct_ratio}

    @command("Read the energy registers and the current time-of-use period.")
    def cmd_read_registers(self, params: Params) -> dict[str, Any]:
        return {"registers": {k: round(v, 3) for k, v in self.registers.items()},
                "tou_period": tou_period(self.now, self.tou)}

    def extra_state(self) -> dict[str, Any]:
        return {"ct_ratio": self.ct_ratio, "ct_ratio_correct": self.ct_ratio ==
                self.installed_ct_ratio, "registers": dict(self.registers),
                "tou_period": tou_period(self.now, self.tou)}
