"""An ambient air-quality station for an industrial park in the Mekong delta.

Readings and their physics:

* ``temperature`` (°C): a daily cycle peaking at 14:00 local time. Đồng Tháp's climate:
  dry season mean 27.5 °C with a ±4.5 °C swing, wet season 27 °C ± 3.5 °C.
* ``humidity`` (% RH): from the temperature and a near-constant dew point (Magnus
  formula), so it is highest at dawn (≈ 95 %) and lowest in the afternoon (≈ 60 %).
* ``pm25``, ``pm10`` (µg/m³): a regional background raised at night by the shallow
  boundary layer and by the morning and evening rush hours; log-normal, correlated noise;
  PM2.5 is about 60 % of PM10 in urban-industrial Vietnam.
* ``co`` (mg/m³): traffic-driven, 0.3 to 3 mg/m³.
* ``noise`` (dB(A), L_Aeq): traffic energy summed on a log scale, ≈ 50 at night and
  ≈ 62 in the rush hours.

Limits (screening alarms) are data: ``data/air_quality_limits.yaml`` (QCVN 05:2023/BTNMT,
QCVN 26:2010/BTNMT).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.physics import (
    Wander,
    daily_cycle,
    local_hour,
    relative_humidity,
    rush_hours,
)
from lab_devices.models import data

CLIMATE = {
    # season: (mean °C, daily half-swing °C, dew point °C, PM2.5 background µg/m³)
    "dry": (27.5, 4.5, 22.0, 22.0),
    "wet": (27.0, 3.5, 24.5, 12.0),
}


class AirQualitySettings(DeviceSettings):
    season: Literal["dry", "wet"] = Field("dry", description="Dry (Dec-Apr) or wet season.")
    traffic: float = Field(1.0, ge=0, le=10, description="Traffic near the station, 1 = usual.")


class AirQualityStation(Device):
    """Temperature, humidity, PM2.5, PM10, CO and noise at one park station."""

    model = "air_quality"
    description = "Ambient air-quality and noise station"
    units = {"temperature": "°C", "humidity": "%RH", "pm25": "µg/m³", "pm10": "µg/m³",
             "co": "mg/m³", "noise": "dB(A)"}
    precision = {"temperature": 2, "humidity": 1, "pm25": 1, "pm10": 1, "co": 2, "noise": 1}
    Settings = AirQualitySettings

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.temp_noise = Wander(self.normal, sigma=0.3, tau=600)
        self.pm_noise = Wander(self.normal, sigma=0.18, tau=900)
        self.ratio_noise = Wander(self.normal, sigma=0.05, tau=1800)
        self.co_noise = Wander(self.normal, sigma=0.12, tau=300)
        self.noise_noise = Wander(self.normal, sigma=2.0, tau=20)
        self.limits = data.load("air_quality_limits")
        self.channel_limits = [(channel, float(limit["value"]), limit)
                               for channel, limit in self.limits["limits"].items()]
        noise = self.limits["noise"]
        self.noise_day = (float(noise["day"]["from"]), float(noise["day"]["to"]),
                          float(noise["day"]["value"]), float(noise["night"]["value"]))

    def measure(self, now: float, dt: float) -> dict[str, float]:
        settings: AirQualitySettings = self.settings  # type: ignore[assignment]
        mean, swing, dew_point, background = CLIMATE[settings.season]
        hour = local_hour(now)
        cycle = daily_cycle(hour, 14.0)
        temperature = mean + swing * cycle + self.temp_noise.step(dt)
        humidity = relative_humidity(temperature, min(dew_point, temperature))
        traffic = settings.traffic * rush_hours(hour)
        # A stable night-time boundary layer traps particles: up to +40 % before dawn.
        trapping = 1.0 + 0.4 * max(0.0, -cycle)
        pm25 = (background * trapping + 30.0 * traffic) * math.exp(self.pm_noise.step(dt))
        pm10 = pm25 / min(0.9, max(0.35, 0.6 + self.ratio_noise.step(dt)))
        co = (0.3 * trapping + 1.8 * traffic) * math.exp(self.co_noise.step(dt))
        daytime = 1.0 if 6.0 <= hour < 22.0 else 0.15
        intensity = settings.traffic * 0.3 * daytime + traffic
        noise = 48.0 + 10.0 * math.log10(1.0 + 20.0 * intensity) + self.noise_noise.step(dt)
        return {"temperature": temperature, "humidity": humidity, "pm25": pm25, "pm10": pm10,
                "co": co, "noise": noise}

    def noise_limit(self, hour: float) -> float:
        start, end, day, night = self.noise_day
        return day if start <= hour < end else night

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        raised = {}
        for channel, value, limit in self.channel_limits:
            if values.get(channel, 0.0) > value:
                raised[f"{channel}_high"] = (
                    f"{channel} {values[channel]:.1f} {limit['unit']} above "
                    f"{limit['value']} ({limit['averaging']} limit)"
                )
        limit = self.noise_limit(local_hour(self.now))
        if values.get("noise", 0.0) > limit:
            raised["noise_high"] = f"noise {values['noise']:.1f} dB(A) above {limit:.0f}"
        return raised
