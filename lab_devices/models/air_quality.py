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

Averages, published beside the readings (``lab_devices.device.averaging``):

* ``pm25_1h``, ``pm10_1h``, ``co_1h``: the rolling mean of the last 60 minutes;
* ``pm25_24h``, ``pm10_24h``: the mean of the last 24 completed clock-hour means;
* ``co_8h``: the mean of the last 8 completed clock-hour means (Decision 1459/QĐ-TCMT,
  2.2.2 a: "trung bình cộng các giá trị trung bình 1 giờ trong 8 giờ liên tiếp");
* ``aqi``: the hourly VN_AQI (``lab_devices.device.aqi``) from the NowCast of PM2.5 and
  PM10 and the last hour's CO mean; it changes at the top of each hour;
* ``aqi_day``: the daily VN_AQI of the previous local day (its 24 clock hours 00:00 to
  24:00): 24 h means of PM2.5 and PM10, the day's largest 1 h mean of CO.

The averages sent with a reading cover the readings before it (what the station had
published up to then, faults included: a stuck sensor makes a stuck mean). A mean is left
out of the message until the readings cover 75 % of its window (1 h: 45 minutes; 24 h: 18
valid hours; 8 h: 6 valid hours; a day: 18 valid hours); the AQI until NowCast can be
computed. By default the station starts with a history: it has been measuring, every 5
minutes, since the local midnight before the last 24 hours, as a park's station has when a
lab connects to it. ``history: false`` starts it empty. The hour-based values (24 h and
8 h means, both indices) are worked out once per clock hour.

Alarms compare each QCVN 05:2023/BTNMT limit with the mean it is defined on
(``data/air_quality_limits.yaml``): ``pm25_high`` and ``pm10_high`` the 24 h means,
``co_high`` the 1 h mean and ``co_8h_high`` the 8 h mean. The annual limits need a year of
data and are not evaluated. ``noise_high`` compares the L_Aeq reading with QCVN
26:2010/BTNMT. The limits are for µg/Nm³ (25 °C, 1 atm); the station's readings are taken
as at those conditions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import Field

from lab_devices.device import aqi
from lab_devices.device.averaging import ChannelMeans
from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.physics import (
    VIETNAM_UTC_OFFSET_HOURS,
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
AVERAGED = ("pm25", "pm10", "co")
HISTORY_STEP = 300.0  # seconds between the readings of the history
KEEP_HOURS = 49  # the previous local day seen from any hour of today, and a spare hour
VIETNAM = timezone(timedelta(hours=VIETNAM_UTC_OFFSET_HOURS))
UTC_OFFSET = VIETNAM_UTC_OFFSET_HOURS * 3600.0


class AirQualitySettings(DeviceSettings):
    season: Literal["dry", "wet"] = Field("dry", description="Dry (Dec-Apr) or wet season.")
    traffic: float = Field(1.0, ge=0, le=10, description="Traffic near the station, 1 = usual.")
    history: bool = Field(True, description="Start with the 24 h of readings before the "
                          "first tick, so the averages exist at once; false: start empty.")


class AirQualityStation(Device):
    """Temperature, humidity, PM2.5, PM10, CO and noise at one park station."""

    model = "air_quality"
    description = "Ambient air-quality and noise station"
    units = {"temperature": "°C", "humidity": "%RH", "pm25": "µg/m³", "pm10": "µg/m³",
             "co": "mg/m³", "noise": "dB(A)",
             "pm25_1h": "µg/m³", "pm10_1h": "µg/m³", "co_1h": "mg/m³",
             "pm25_24h": "µg/m³", "pm10_24h": "µg/m³", "co_8h": "mg/m³", "aqi": "VN_AQI",
             "aqi_day": "VN_AQI"}
    precision = {"temperature": 2, "humidity": 1, "pm25": 1, "pm10": 1, "co": 2, "noise": 1,
                 "pm25_1h": 1, "pm10_1h": 1, "co_1h": 2, "pm25_24h": 1, "pm10_24h": 1,
                 "co_8h": 2}
    Settings = AirQualitySettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.temp_noise = Wander(self.normal, sigma=0.3, tau=600)
        self.pm_noise = Wander(self.normal, sigma=0.18, tau=900)
        self.ratio_noise = Wander(self.normal, sigma=0.05, tau=1800)
        self.co_noise = Wander(self.normal, sigma=0.12, tau=300)
        self.noise_noise = Wander(self.normal, sigma=2.0, tau=20)
        self.limits = data.load("air_quality_limits")
        self.mean_limits = _mean_limits(self.limits["limits"])
        noise = self.limits["noise"]
        self.noise_day = (float(noise["day"]["from"]), float(noise["day"]["to"]),
                          float(noise["day"]["value"]), float(noise["night"]["value"]))
        self.means = {channel: ChannelMeans(KEEP_HOURS) for channel in AVERAGED}
        self._history_due: bool = self.settings.history  # type: ignore[attr-defined]
        self._reading_at: float | None = None  # when the last reading was taken
        self._reading_online = False
        self._recorded_to: float | None = None  # the last reading the averages hold
        self._hourly_at: int | None = None  # the clock hour the hour-based values are for
        self._hourly: dict[str, float | int] = {}
        self._aqi: int | None = None

    # -- readings ----------------------------------------------------------------------
    def measure(self, now: float, dt: float) -> dict[str, float]:
        if self._history_due:
            self._history_due = False
            last = self._fill_history(now)
            dt = now - last
        elif self._reading_at is not None and self._reading_online:
            self._record(self._reading_at, self.values)
        values: dict[str, Any] = self.physics(now, dt)
        values.update(self.averages(now))
        self._reading_at = now
        self._reading_online = self.online
        return values

    def physics(self, now: float, dt: float) -> dict[str, float]:
        """The true values at ``now``, ``dt`` seconds after the previous ones."""
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

    def _fill_history(self, now: float) -> float:
        """Measure from the local midnight before ``now`` − 24 h up to ``now``."""
        at = local_midnight(now - 86400.0)
        step = 0.0
        last = at
        while at < now:
            self._record(at, self.physics(at, step), HISTORY_STEP)
            last, step, at = at, HISTORY_STEP, at + HISTORY_STEP
        return last

    def _record(self, at: float, values: Mapping[str, float],
                max_gap: float | None = None) -> None:
        if self._recorded_to is not None and at <= self._recorded_to:
            return  # a clock that stepped back: the averages keep time order
        self._recorded_to = at
        gap = max_gap if max_gap is not None else max(900.0, 2.0 * self.interval)
        for channel, means in self.means.items():
            value = values.get(channel)
            if isinstance(value, float | int) and math.isfinite(value):
                means.add(at, float(value), gap)

    # -- averages and the index --------------------------------------------------------
    def averages(self, now: float) -> dict[str, float | int]:
        """The means the station has at ``now`` (those with enough readings) and the AQI."""
        out: dict[str, float | int] = {}
        for channel, means in self.means.items():
            hourly = means.rolling_1h.mean(now)
            if hourly is not None:
                out[f"{channel}_1h"] = hourly
        hour = math.floor(now / 3600.0)
        if hour != self._hourly_at:  # these use completed hours only
            self._hourly_at = hour
            self._hourly = self.hour_based(now)
        out.update(self._hourly)
        return out

    def hour_based(self, now: float) -> dict[str, float | int]:
        """The 24 h and 8 h means and both indices, from the hours completed by ``now``."""
        out: dict[str, float | int] = {}
        for channel in ("pm25", "pm10"):
            daily = self.means[channel].hours.mean_of_hours(now, 24, 18)
            if daily is not None:
                out[f"{channel}_24h"] = daily
        co_8h = self.means["co"].hours.mean_of_hours(now, 8, 6)
        if co_8h is not None:
            out["co_8h"] = co_8h
        self._aqi = self.hourly_aqi(now)
        if self._aqi is not None:
            out["aqi"] = self._aqi
        yesterday = self.daily_aqi(now)
        if yesterday is not None:
            out["aqi_day"] = yesterday
        return out

    def hourly_aqi(self, now: float) -> int | None:
        """VN_AQI of the last completed hour (Decision 1459/QĐ-TCMT, 2.2.1).

        c1, "the current hour's 1 h mean", is the hour just completed: a 1 h mean exists
        once its hour is over; the Decision's example (2.3 a) takes the latest 1 h mean of
        its table (labelled 20:00) as c1.
        """
        nowcasts = {channel: aqi.nowcast(self.means[channel].hours.completed(now, 12))
                    for channel in ("pm25", "pm10")}
        co = self.means["co"].hours.completed(now, 1)[0]
        co_ug = None if co is None else co * 1000.0  # Table 2 gives CO in µg/m³
        return aqi.hourly_aqi(nowcasts, {"co": co_ug})[0]

    def daily_aqi(self, now: float) -> int | None:
        """VN_AQI of the local day before ``now``'s (Decision 1459/QĐ-TCMT, 2.2.2).

        The day's 24 h mean is the mean of its 1 h means "từ 01:00 giờ đến 00:00 hôm sau"
        (the hours ending 01:00 … 24:00); it needs 18 valid hours, the station's rule.
        """
        first = math.floor(local_midnight(now) / 3600.0) - 24
        day = {channel: [h for index in range(first, first + 24)
                         if (h := self.means[channel].hours.hour_mean(index)) is not None]
               for channel in AVERAGED}
        means_24h = {channel: sum(day[channel]) / len(day[channel])
                     if len(day[channel]) >= 18 else None for channel in ("pm25", "pm10")}
        co = max(day["co"]) * 1000.0 if len(day["co"]) >= 18 else None
        return aqi.daily_aqi(means_24h, {"co": co})[0]

    # -- limits ------------------------------------------------------------------------
    def noise_limit(self, hour: float) -> float:
        start, end, day, night = self.noise_day
        return day if start <= hour < end else night

    def limit_on(self, values: list[tuple[date, float]], now: float) -> float | None:
        """The limit in force on ``now``'s local date; None before the regulation was."""
        today = datetime.fromtimestamp(now, VIETNAM).date()
        in_force = [value for since, value in values if since <= today]
        return in_force[-1] if in_force else None

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        raised = {}
        for pollutant, averaging, channel, unit, dated in self.mean_limits:
            mean = values.get(channel)
            if mean is None:
                continue
            limit = self.limit_on(dated, self.now)
            if limit is not None and mean > limit:
                key = f"{pollutant}_high" if averaging != "8 h" else f"{pollutant}_8h_high"
                raised[key] = (f"{pollutant} {averaging} mean {mean:.2f} {unit} above {limit:g} "
                               f"(QCVN 05:2023/BTNMT, {averaging} limit)")
        limit = self.noise_limit(local_hour(self.now))
        if values.get("noise", 0.0) > limit:
            raised["noise_high"] = f"noise {values['noise']:.1f} dB(A) above {limit:.0f}"
        return raised

    def extra_state(self) -> dict[str, Any]:
        return {"aqi_band": None if self._aqi is None else aqi.band(self._aqi).vi}


def local_midnight(now: float) -> float:
    """The epoch seconds of the local (UTC+7) midnight that starts ``now``'s day."""
    return math.floor((now + UTC_OFFSET) / 86400.0) * 86400.0 - UTC_OFFSET


def _mean_limits(table: Mapping[str, Any]) -> list[tuple[str, str, str, str,
                                                          list[tuple[date, float]]]]:
    """(pollutant, averaging, channel, unit, [(from, value)]) for the limits with a channel."""
    out = []
    for pollutant, limits in table.items():
        for limit in limits:
            if limit["channel"] is None:
                continue
            dated = sorted((_date(item["from"], pollutant), float(item["value"]))
                           for item in limit["values"])
            out.append((pollutant, limit["averaging"], limit["channel"], limit["unit"], dated))
    return out


def _date(value: Any, pollutant: str) -> date:
    if isinstance(value, date):
        return value
    raise ValueError(f"air_quality_limits: {pollutant} limit 'from' must be a date, not {value!r}")
