"""A wastewater monitoring station at the outfall of a park's treatment plant.

Industrial parks must monitor their treated effluent continuously. Readings:

* ``flow`` (m³/h): follows the factories' shifts (high 07:00 to 22:00), around the
  plant's design capacity ``capacity_m3_day`` / 24.
* ``temperature`` (°C): the effluent is 1 to 3 °C above the air, with a daily cycle.
* ``ph``: held near 7.2 by the plant's dosing, wandering slowly.
* ``cod`` (mg/L): first-order removal in the aeration tank, C_out = C_in·exp(−k·HRT/L):
  a shorter hydraulic retention time (HRT, high flow) and a heavier load L (influent
  strength, which slows the removal rate per unit of biomass) leave more COD.
* ``tss`` (mg/L): rises with flow (clarifier overflow rate) and load.
* ``nh4`` (mg/L as N): nitrification slows in cooler water (θ = 1.07 per °C).
* ``cod_1h``, ``tss_1h``, ``nh4_1h``: the rolling mean of the last 60 minutes of the
  station's readings (``lab_devices.device.averaging``; 45 minutes of readings needed).

The plant is designed to its permit: at design load and mean flow its effluent holds
``DESIGN_FRACTION`` (45 %) of each limit, so normal operation stays well inside it, the
day shift's peak included; an overload (``load`` above 1) or a fault takes it over.

The limits are data with their source (``data/wastewater_limits.yaml``): QCVN
40:2011/BTNMT, which an existing plant applies until 2031-12-31 under Circular
06/2025/TT-BTNMT, Article 3. Cmax = C × Kq × Kf (2.1): C from column A or B (``column``),
Kq from the receiving water (``receiving``, ``receiving_size``), Kf from the discharge flow
(the design capacity); pH and temperature take C alone (2.2).

Alarms: COD, TSS and NH4+ when their 1 h mean is above Cmax (the regulation sets a Cmax,
not an averaging period; the station screens its 1 h mean so that one noisy reading does
not alarm, and the trainee's grab ``sample`` is what a laboratory compares with Cmax); pH
and temperature on the reading itself. The station starts with the hour of readings
before its first tick (``history``), as a station running before the lab connects has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from lab_devices.device.averaging import RollingMean
from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import Params, command
from lab_devices.device.physics import Wander, daily_cycle, local_hour
from lab_devices.models import data

AVERAGED = ("cod", "tss", "nh4")
DESIGN_FRACTION = 0.45  # effluent / Cmax at design load, mean flow and 29.5 °C
REMOVAL_K = 1.2  # first-order COD removal × design HRT (dimensionless)
HISTORY_STEP = 300.0


class WastewaterSettings(DeviceSettings):
    column: Literal["A", "B"] = Field("B", description="QCVN 40:2011 column that applies.")
    capacity_m3_day: float = Field(2000, gt=0, le=200_000, description="Plant design capacity "
                                   "(the discharge flow F of QCVN 40:2011 2.4, m³/24 h).")
    load: float = Field(1.0, ge=0.1, le=5, description="Influent strength, 1 = design load.")
    receiving: Literal["river", "lake", "coastal", "coastal_protected"] = Field(
        "river", description="Receiving water (QCVN 40:2011 2.3).")
    receiving_size: float | None = Field(
        None, gt=0, description="River flow Q (m³/s) or lake volume V (m³) of the receiving "
        "water; none: no data, the regulation's value for that case applies.")
    history: bool = Field(True, description="Start with the hour of readings before the "
                          "first tick, so the 1 h means exist at once; false: start empty.")


class TakeSample(Params):
    pass


def coefficient(bands: list[dict[str, Any]], value: float, key: str) -> float:
    """The coefficient of the first band whose ``up_to`` (inclusive) holds ``value``."""
    for band in bands:
        if band["up_to"] is None or value <= band["up_to"]:
            return float(band[key])
    raise ValueError(f"wastewater_limits: no {key} band holds {value}")


def permit(table: Mapping[str, Any], settings: WastewaterSettings) -> dict[str, Any]:
    """Kq, Kf and the Cmax of each parameter for this plant (QCVN 40:2011 2.1-2.4)."""
    kq_table = table["kq"][settings.receiving]
    if "kq" in kq_table:
        kq = float(kq_table["kq"])
    elif settings.receiving_size is None:
        kq = float(kq_table["no_data"])
    else:
        kq = coefficient(kq_table["bands"], settings.receiving_size, "kq")
    kf = coefficient(table["kf"]["bands"], settings.capacity_m3_day, "kf")
    exempt = set(table["no_coefficients"])
    limits: dict[str, dict[str, Any]] = {}
    for channel, c in table["columns"][settings.column].items():
        limit = dict(c)
        if channel not in exempt:
            limit["c"] = c["max"]
            limit["max"] = round(c["max"] * kq * kf, 4)
        limits[channel] = limit
    return {"kq": kq, "kf": kf, "limits": limits}


class WastewaterStation(Device):
    """pH, COD, TSS, NH4+, flow and temperature at a treatment plant's outfall."""

    model = "wastewater"
    description = "Treated-effluent monitoring station (continuous)"
    units = {"ph": "pH", "cod": "mg/L", "tss": "mg/L", "nh4": "mg/L", "flow": "m³/h",
             "temperature": "°C", "cod_1h": "mg/L", "tss_1h": "mg/L", "nh4_1h": "mg/L"}
    precision = {"ph": 2, "cod": 1, "tss": 1, "nh4": 2, "flow": 1, "temperature": 1,
                 "cod_1h": 1, "tss_1h": 1, "nh4_1h": 2}
    Settings = WastewaterSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ph_noise = Wander(self.normal, sigma=0.15, tau=1800)
        self.flow_noise = Wander(self.normal, sigma=0.06, tau=600)
        self.quality_noise = Wander(self.normal, sigma=0.08, tau=1200)
        self.temp_noise = Wander(self.normal, sigma=0.2, tau=900)
        table = data.load("wastewater_limits")
        self.regulation: str = table["regulation"]
        settings: WastewaterSettings = self.settings  # type: ignore[assignment]
        self.permit = permit(table, settings)
        self.limits: dict[str, dict[str, Any]] = self.permit["limits"]
        self.design = {channel: DESIGN_FRACTION * float(self.limits[channel]["max"])
                       for channel in AVERAGED}
        self.means = {channel: RollingMean(3600.0, 60.0) for channel in AVERAGED}
        self.samples: list[dict[str, Any]] = []
        self._history_due = settings.history
        self._reading_at: float | None = None
        self._reading_online = False
        self._recorded_to: float | None = None  # the last reading the averages hold

    def measure(self, now: float, dt: float) -> dict[str, float]:
        if self._history_due:
            self._history_due = False
            at, step = now - 3600.0, 0.0
            while at < now:
                self._record(at, self.physics(at, step), HISTORY_STEP)
                dt, step, at = now - at, HISTORY_STEP, at + HISTORY_STEP
        elif self._reading_at is not None and self._reading_online:
            self._record(self._reading_at, self.values)
        values = self.physics(now, dt)
        for channel, mean in self.means.items():
            hourly = mean.mean(now)
            if hourly is not None:
                values[f"{channel}_1h"] = hourly
        self._reading_at = now
        self._reading_online = self.online
        return values

    def physics(self, now: float, dt: float) -> dict[str, float]:
        """The true values at ``now``, ``dt`` seconds after the previous ones."""
        settings: WastewaterSettings = self.settings  # type: ignore[assignment]
        hour = local_hour(now)
        shift = 1.25 if 7.0 <= hour < 22.0 else 0.55
        mean_flow = settings.capacity_m3_day / 24.0
        flow = mean_flow * shift * math.exp(self.flow_noise.step(dt))
        temperature = 29.5 + 1.5 * daily_cycle(hour, 16.0) + self.temp_noise.step(dt)
        load = settings.load
        hrt_ratio = mean_flow / flow
        quality = math.exp(self.quality_noise.step(dt))
        # C_out = load · C_in,design · exp(−k · HRT/load), scaled so that design = 1
        cod = self.design["cod"] * load * math.exp(REMOVAL_K * (1.0 - hrt_ratio / load))
        tss = self.design["tss"] * load * (flow / mean_flow) ** 1.3
        nitrification = 1.07 ** (temperature - 29.5)
        nh4 = self.design["nh4"] * load / nitrification * (flow / mean_flow)
        ph = 7.2 + self.ph_noise.step(dt)
        return {"ph": ph, "cod": cod * quality, "tss": tss * quality, "nh4": nh4 * quality,
                "flow": flow, "temperature": temperature}

    def _record(self, at: float, values: Mapping[str, float],
                max_gap: float | None = None) -> None:
        if self._recorded_to is not None and at <= self._recorded_to:
            return  # a clock that stepped back: the averages keep time order
        self._recorded_to = at
        gap = max_gap if max_gap is not None else max(900.0, 2.0 * self.interval)
        for channel, mean in self.means.items():
            value = values.get(channel)
            if isinstance(value, float | int) and math.isfinite(value):
                mean.add(at, float(value), gap)

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        raised = {}
        column = self.settings.column  # type: ignore[attr-defined]
        for channel, limit in self.limits.items():
            averaged = channel in AVERAGED
            value = values.get(f"{channel}_1h" if averaged else channel)
            if value is None:
                continue
            what = f"{channel} 1 h mean" if averaged else channel
            if "max" in limit and value > limit["max"]:
                raised[f"{channel}_high"] = (
                    f"{what} {value:.2f} {limit['unit']} above {limit['max']:g} "
                    f"({self.regulation} column {column})"
                )
            if "min" in limit and value < limit["min"]:
                raised[f"{channel}_low"] = (
                    f"{what} {value:.2f} below {limit['min']} ({self.regulation})"
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
        return {**super().meta(), "limits": self.limits, "regulation": self.regulation,
                "kq": self.permit["kq"], "kf": self.permit["kf"]}
