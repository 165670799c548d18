"""`GET /api/labs/{lab}/check` (what `senlab.lab` shows): the live checks, and per course the
checks its completion rule lists that the trainee has still to pass. The table `lab.check()`
makes of it is tested in tests/test_lab.py.

The progress app calls the real fleet control app, in process, over the in-memory broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from lab_devices.fleet.control import create_control_app
from lab_devices.fleet.runtime import Fleet
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.fake import FakeBroker
from senlab.courses import load_course
from senlab.courses.labs import completion_rule
from senlab.fleet import FleetClient
from senlab.progress.auth import current_identity
from senlab.progress.identity import Identity
from senlab.settings import REPO_ROOT, Settings
from tests.progress.conftest import GRADER, event

LAB = "iot101-sensors"
AN = Identity("an", groups=frozenset({"trainees"}))


class InProcessFleet(FleetClient):
    """The fleet's control API, called in this process instead of over a socket."""

    def __init__(self, settings: Settings, fleet: Fleet):
        super().__init__(settings)
        self.app = create_control_app(fleet, settings.secret("fleet-control-token"))

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        token = {"Authorization": f"Bearer {self._token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://fleet") as http:
            return await http.request(method, path, headers=token, **kwargs)


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def client(app, broker) -> Iterator[TestClient]:
    """A client of the progress app whose fleet runs in process; one event loop for all."""
    app.state.fleet = InProcessFleet(app.state.settings,
                                     Fleet(broker.connect, load_labs(REPO_ROOT / "labs")))
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()


def call(app, client: TestClient, identity: Identity, method: str, path: str,
         **kwargs: Any) -> httpx.Response:
    prefix = app.state.settings.hub_service_prefix.rstrip("/")
    app.dependency_overrides[current_identity] = lambda: identity
    return client.request(method, prefix + path, **kwargs)


def publish_iot101(app, client: TestClient) -> None:
    folder = REPO_ROOT / "courses" / "iot101"
    rule = completion_rule(load_course(folder), REPO_ROOT / "labs", folder / "course.yaml")
    published = event("course.published", "2026-01-01T00:00:00Z", course="iot101",
                      labs=[{"id": LAB}], rule=rule.model_dump(mode="json"))
    response = call(app, client, GRADER, "POST", "/api/events", json={"events": [published]})
    assert response.status_code == 200, response.text


def test_the_check_says_which_listed_checks_remain(app, client, broker) -> None:
    publish_iot101(app, client)
    assert call(app, client, AN, "POST", f"/api/labs/{LAB}/start").status_code == 200
    broker.publish(f"labs/an/{LAB}/air-1/cmd", b'{"id": 1, "action": "ping"}', qos=1)

    answer = call(app, client, AN, "GET", f"/api/labs/{LAB}/check").json()

    assert {c["id"]: c["passed"] for c in answer["checks"]}["ping-station"] is True
    assert len(answer["checks"]) == 5  # the lab's five; iot101 lists two of them
    [iot101] = answer["remaining"]
    assert (iot101["course"], iot101["completed"]) == ("iot101", False)
    assert [c["id"] for c in iot101["checks"]] == ["slow-down-air"]
    assert iot101["checks"][0]["title"]["vi"]


def test_a_lab_no_course_lists_has_nothing_remaining(app, client) -> None:
    publish_iot101(app, client)
    assert call(app, client, AN, "POST", "/api/labs/energy-basics/start").status_code == 200
    assert call(app, client, AN, "GET", "/api/labs/energy-basics/check").json()["remaining"] == []


def test_a_completed_course_has_nothing_remaining(app, client) -> None:
    publish_iot101(app, client)
    done = event("course.completed", "2026-02-01T00:00:00Z", trainee="an", course="iot101")
    call(app, client, GRADER, "POST", "/api/events", json={"events": [done]})
    call(app, client, AN, "POST", f"/api/labs/{LAB}/start")
    [iot101] = call(app, client, AN, "GET", f"/api/labs/{LAB}/check").json()["remaining"]
    assert (iot101["completed"], iot101["checks"]) == (True, [])
