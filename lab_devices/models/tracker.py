"""A logistics asset tracker on a forklift or truck moving along an industrial park's roads.

The asset drives a closed route of waypoints (WGS-84) at ``speed_kmh`` with correlated
speed variation, dwells at loading docks, and reports:

* ``lat``, ``lon`` (degrees): its position along the route plus GPS error (≈ 3 m, correlated);
* ``speed`` (km/h) and ``heading`` (degrees from north);
* ``battery`` (%): drains ``drain_moving`` %/h while driving and ``drain_parked`` %/h
  at a dock;
* ``inside`` (1 or 0): whether it is inside the park's geofence (ray-casting test).

Leaving the geofence raises the ``geofence_exit`` alarm and puts ``"event": "exit"`` in
that telemetry message (``"enter"`` on the way back). Below 15 % battery it raises
``battery_low``. The default route is a loop in a park near Sa Đéc, Đồng Tháp, whose last
leg runs out through the gate to the provincial road and back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field, field_validator

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.physics import Wander, haversine_m

# (lat, lon, dwell seconds): docks have a dwell time.
DEFAULT_ROUTE: tuple[tuple[float, float, float], ...] = (
    (10.30850, 105.74420, 120.0),  # warehouse A dock
    (10.30850, 105.74900, 0.0),
    (10.31230, 105.74900, 90.0),   # factory B dock
    (10.31230, 105.74420, 0.0),
    (10.31000, 105.74300, 0.0),    # gate
    (10.30920, 105.73950, 60.0),   # outside: the provincial road yard
    (10.31000, 105.74300, 0.0),
)
DEFAULT_GEOFENCE: tuple[tuple[float, float], ...] = (
    (10.30780, 105.74330), (10.30780, 105.74980), (10.31300, 105.74980), (10.31300, 105.74330),
)
LOW_BATTERY_PCT = 15.0


class TrackerSettings(DeviceSettings):
    speed_kmh: float = Field(18.0, gt=0, le=120, description="Cruising speed.")
    drain_moving: float = Field(4.0, ge=0, le=100, description="Battery %/h while driving.")
    drain_parked: float = Field(0.8, ge=0, le=100, description="Battery %/h while parked.")
    battery: float = Field(100.0, ge=0, le=100, description="Charge at lab start, %.")
    route: list[tuple[float, float, float]] = Field(
        default_factory=lambda: list(DEFAULT_ROUTE), description="Waypoints (lat, lon, dwell s)."
    )
    geofence: list[tuple[float, float]] = Field(
        default_factory=lambda: list(DEFAULT_GEOFENCE), description="Polygon (lat, lon)."
    )

    @field_validator("route")
    @classmethod
    def _route_has_legs(cls, value: list) -> list:
        if len(value) < 2:
            raise ValueError("a route needs at least 2 waypoints")
        return value

    @field_validator("geofence")
    @classmethod
    def _polygon(cls, value: list) -> list:
        if len(value) < 3:
            raise ValueError("a geofence polygon needs at least 3 corners")
        return value


def inside_polygon(lat: float, lon: float, polygon: Sequence[tuple[float, float]]) -> bool:
    """Ray casting: whether (lat, lon) is inside ``polygon``."""
    inside = False
    j = len(polygon) - 1
    for i, (yi, xi) in enumerate(polygon):
        yj, xj = polygon[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees from north."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


class AssetTracker(Device):
    """GPS position, speed, heading, battery and geofence of one moving asset."""

    model = "tracker"
    description = "GNSS asset tracker with geofence"
    units = {"lat": "°", "lon": "°", "speed": "km/h", "heading": "°", "battery": "%",
             "inside": ""}
    precision = {"lat": 6, "lon": 6, "speed": 1, "heading": 0, "battery": 1}
    Settings = TrackerSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings: TrackerSettings = self.settings  # type: ignore[assignment]
        self.route = settings.route
        # Leg lengths and bearings are fixed by the route: work them out once.
        self.legs = []
        for index, start in enumerate(self.route):
            end = self.route[(index + 1) % len(self.route)]
            self.legs.append((haversine_m(start[0], start[1], end[0], end[1]) or 1.0,
                              bearing_deg(start[0], start[1], end[0], end[1])))
        self.leg = 0
        self.along = 0.0
        self.dwell_left = self.route[0][2]
        self.battery = settings.battery
        self.speed_noise = Wander(self.normal, sigma=0.15, tau=60)
        self.gps_noise = (Wander(self.normal, sigma=3.0, tau=30),
                          Wander(self.normal, sigma=3.0, tau=30))
        self.was_inside: bool | None = None
        self.geofence_events: list[dict[str, Any]] = []

    def _leg_ends(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        return self.route[self.leg], self.route[(self.leg + 1) % len(self.route)]

    def _drive(self, dt: float) -> float:
        """Move along the route for dt seconds; return the speed in km/h."""
        settings: TrackerSettings = self.settings  # type: ignore[assignment]
        if self.dwell_left > 0:
            self.dwell_left -= dt
            return 0.0
        speed = settings.speed_kmh * math.exp(self.speed_noise.step(dt))
        travel = speed / 3.6 * dt
        while travel > 0:
            length = self.legs[self.leg][0]
            if self.along + travel < length:
                self.along += travel
                break
            travel -= length - self.along
            self.leg = (self.leg + 1) % len(self.route)
            self.along = 0.0
            if self.route[self.leg][2] > 0:
                self.dwell_left = self.route[self.leg][2]
                break
        return speed

    def measure(self, now: float, dt: float) -> dict[str, float]:
        settings: TrackerSettings = self.settings  # type: ignore[assignment]
        speed = self._drive(dt) if dt > 0 else 0.0
        drain = settings.drain_moving if speed > 0 else settings.drain_parked
        self.battery = max(0.0, self.battery - drain * dt / 3600.0)
        start, end = self._leg_ends()
        length, heading = self.legs[self.leg]
        share = self.along / length
        lat = start[0] + (end[0] - start[0]) * share
        lon = start[1] + (end[1] - start[1]) * share
        north, east = self.gps_noise[0].step(dt), self.gps_noise[1].step(dt)
        lat += north / 111_320.0
        lon += east / (111_320.0 * math.cos(math.radians(lat)))
        return {"lat": lat, "lon": lon, "speed": speed,
                "heading": heading,
                "battery": self.battery,
                "inside": 1 if inside_polygon(lat, lon, settings.geofence) else 0}

    def telemetry_payload(self, now: float, values: Mapping[str, float]) -> bytes:
        inside = bool(values.get("inside"))
        if self.was_inside is not None and inside != self.was_inside:
            event = "enter" if inside else "exit"
            self.geofence_events.append({"event": event, "at": round(now, 3)})
            self.was_inside = inside
            return super().telemetry_payload(now, {**values, "event": event})
        self.was_inside = inside
        return super().telemetry_payload(now, values)

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        raised = {}
        if not values.get("inside", 1):
            raised["geofence_exit"] = "asset is outside the park's geofence"
        if values.get("battery", 100.0) < LOW_BATTERY_PCT:
            raised["battery_low"] = (
                f"battery {values['battery']:.0f} % below {LOW_BATTERY_PCT:.0f} %"
            )
        return raised

    def on_battery_replaced(self) -> None:
        self.battery = 100.0

    def extra_state(self) -> dict[str, Any]:
        return {"battery": self.battery, "geofence_events": list(self.geofence_events),
                "leg": self.leg}
