"""A wastewater monitoring station at the outfall of a park's treatment plant.

Industrial parks must monitor their treated effluent continuously. Readings:

* ``flow`` (m³/h): follows the factories' shifts (high 07:00 to 22:00), around the
  plant's design capacity ``capacity_m3_day`` / 24.
* ``temperature`` (°C): the effluent is 1 to 3 °C above the air, with a daily cycle.
* ``ph``: held near 7.2 by the plant's dosing, wandering slowly.
* ``cod`` (mg/L): rises with flow, since a shorter hydraulic retention time leaves more
  unoxidised matter (first-order removal).
* ``tss`` (mg/L): rises with flow (clarifier overflow rate).
* ``nh4`` (mg/L as N): nitrification slows in cooler water (θ = 1.07 per °C around 20 °C).

The limits are data with their source: ``data/wastewater_limits.yaml`` (QCVN
40:2011/BTNMT column A or B, chosen by the ``column`` setting). A reading past its limit
raises an alarm; the trainee acknowledges it and takes a grab ``sample``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import Params, command
from lab_devices.device.physics import Wander, daily_cycle, local_hour
from lab_devices.models import data


class WastewaterSettings(DeviceSettings):
    column: Literal["A", "B"] = Field("B", description="QCVN 40:2011 column that applies.")
    capacity_m3_day: float = Field(2000, gt=0, le=200_000, description="Plant design capacity.")
    load: float = Field(1.0, ge=0.1, le=5, description="Influent strength, 1 = design load.")


class TakeSample(Params):
    pass


class WastewaterStation(Device):
    """pH, COD, TSS, NH4+, flow and temperature at a treatment plant's outfall."""

    model = "wastewater"
    description = "Treated-effluent monitoring station (continuous)"
    units = {"ph": "pH", "cod": "mg/L", "tss": "mg/L", "nh4": "mg/L", "flow": "m³/h",
             "temperature": "°C"}
    precision = {"ph": 2, "cod": 1, "tss": 1, "nh4": 2, "flow": 1, "temperature": 1}
    Settings = WastewaterSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ph_noise = Wander(self.normal, sigma=0.15, tau=1800)
        self.flow_noise = Wander(self.normal, sigma=0.06, tau=600)
        self.quality_noise = Wander(self.normal, sigma=0.08, tau=1200)
        self.temp_noise = Wander(self.normal, sigma=0.2, tau=900)
        table = data.load("wastewater_limits")
        self.regulation = table["regulation"]
        self.limits: dict[str, dict[str, Any]] = table["columns"][self.settings.column]  # type: ignore[attr-defined]
        self.samples: list[dict[str, Any]] = []

    def measure(self, now: float, dt: float) -> dict[str, float]:
        settings: WastewaterSettings = self.settings  # type: ignore[assignment]
        hour = local_hour(now)
        shift = 1.25 if 7.0 <= hour < 22.0 else 0.55
        mean_flow = settings.capacity_m3_day / 24.0
        flow = mean_flow * shift * math.exp(self.flow_noise.step(dt))
        temperature = 29.5 + 1.5 * daily_cycle(hour, 16.0) + self.temp_noise.step(dt)
        # First-order removal in the aeration tank: C_out = C_in * exp(-k * HRT).
        hrt_ratio = mean_flow / flow
        quality = math.exp(self.quality_noise.step(dt))
        cod = settings.load * 200.0 * math.exp(-1.2 * hrt_ratio) * quality
        tss = settings.load * 18.0 * (flow / mean_flow) ** 1.3 * quality
        nitrification = 1.07 ** (temperature - 20.0)
        nh4 = settings.load * 6.0 / nitrification * (flow / mean_flow) * quality
        ph = 7.2 + self.ph_noise.step(dt)
        return {"ph": ph, "cod": cod, "tss": tss, "nh4": nh4, "flow": flow,
                "temperature": temperature}

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        raised = {}
        for channel, limit in self.limits.items():
            value = values.get(channel)
            if value is None:
                continue
            if "max" in limit and value > limit["max"]:
                raised[f"{channel}_high"] = (
                    f"{channel} {value:.2f} {limit['unit']} above {limit['max']} "
                    f"({self.regulation} column {self.settings.column})"  # type: ignore[attr-defined]
                )
            if "min" in limit and value < limit["min"]:
                raised[f"{channel}_low"] = (
                    f"{channel} {value:.2f} below {limit['min']} ({self.regulation})"
                )
        return raised

    @command("Take a grab sample for the laboratory; returns its number and readings.", TakeSample)
    def cmd_sample(self, params: TakeSample) -> dict[str, Any]:
        number = len(self.samples) + 1
        sample = {"number": number, "at": round(self.now, 3),
                  "values": {k: round(v, 3) for k, v in self.values.items()},
                  "alarms": sorted(self.alarm_state)}
        self.samples.append(sample)
        self.record("sample_taken", sample)
        return sample

    def extra_state(self) -> dict[str, Any]:
        return {"samples": len(self.samples), "column": self.settings.column}  # type: ignore[attr-defined]

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "limits": self.limits, "regulation": self.regulation}
