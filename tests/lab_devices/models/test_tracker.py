"""The asset tracker: motion along the park's roads, battery and geofence events."""

from __future__ import annotations

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.device.physics import haversine_m
from lab_devices.models.tracker import DEFAULT_GEOFENCE, AssetTracker, inside_polygon


def tracker(monday: float, **params) -> AssetTracker:
    return AssetTracker("t1", {"seed": 8, **params}, started_at=monday)


def test_positions_stay_near_the_route(monday, drive):
    for d in drive(tracker(monday), monday, 3600, step=10):
        assert 10.305 < d["lat"] < 10.315 and 105.735 < d["lon"] < 105.752


def test_distance_travelled_matches_the_reported_speed(monday, drive):
    documents = drive(tracker(monday, speed_kmh=20), monday, 1800, step=2)
    moving = [(a, b) for a, b in zip(documents, documents[1:], strict=False)
              if a["speed"] > 0 and b["speed"] > 0 and a["heading"] == b["heading"]]
    travelled = sum(haversine_m(a["lat"], a["lon"], b["lat"], b["lon"]) for a, b in moving)
    expected = sum(b["speed"] / 3.6 * 2 for _, b in moving)
    assert travelled == pytest.approx(expected, rel=0.15)  # GPS error is a few metres


def test_the_asset_dwells_at_docks(monday, drive):
    documents = drive(tracker(monday), monday, 3600, step=5)
    assert any(d["speed"] == 0 for d in documents) and any(d["speed"] > 5 for d in documents)


def test_battery_drains_faster_while_moving(monday, drive):
    documents = drive(tracker(monday, drain_moving=10, drain_parked=0), monday, 3600, step=5)
    moving_time = sum(5 for d in documents[1:] if d["speed"] > 0)
    assert 100 - documents[-1]["battery"] == pytest.approx(10 * moving_time / 3600, abs=0.3)


def test_leaving_the_park_raises_an_exit_event_and_alarm(monday, drive):
    device = tracker(monday)
    documents = drive(device, monday, 2 * 3600, step=5)
    exits = [d for d in documents if d.get("event") == "exit"]
    enters = [d for d in documents if d.get("event") == "enter"]
    assert exits and enters
    outside = [d for d in documents if d["inside"] == 0]
    assert all(any(a["id"] == "geofence_exit" for a in d["alarms"]) for d in outside)
    assert device.state()["geofence_events"][0]["event"] == "exit"


def test_inside_polygon_is_a_ray_casting_test():
    assert inside_polygon(10.310, 105.746, DEFAULT_GEOFENCE)
    assert not inside_polygon(10.3092, 105.7395, DEFAULT_GEOFENCE)


def test_a_route_needs_two_waypoints():
    with pytest.raises(InvalidSettings, match="route: Value error, a route needs at least 2"):
        AssetTracker("t1", {"route": [[10.3, 105.7, 0]]})


def test_a_geofence_needs_three_corners():
    with pytest.raises(InvalidSettings, match="geofence"):
        AssetTracker("t1", {"geofence": [[10.3, 105.7], [10.4, 105.8]]})
