"""The fleet's HTTP control API, on the in-memory broker."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from lab_devices.fleet.control import create_control_app
from lab_devices.fleet.runtime import Fleet
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.fake import FakeBroker

LABS = Path(__file__).resolve().parents[3] / "labs"
TOKEN = "control-token-for-tests-0123456789"
pytestmark = pytest.mark.anyio


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
async def client(broker):
    fleet = Fleet(broker.connect, load_labs(LABS))
    app = create_control_app(fleet, TOKEN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fleet",
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


async def test_a_request_without_the_token_is_refused(client):
    response = await client.get("/labs", headers={"Authorization": ""})
    assert response.status_code == 401
    assert "bearer token" in response.json()["detail"]


async def test_a_request_with_a_wrong_token_is_refused(client):
    response = await client.post("/trainees/an/labs/iot101-sensors/start",
                                 headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


async def test_health_needs_no_token(client):
    response = await client.get("/health", headers={"Authorization": ""})
    assert response.json() == {"ok": True, "labs": 0, "devices": 0}


async def test_labs_lists_the_shipped_labs(client):
    labs = (await client.get("/labs")).json()
    ids = [lab["id"] for lab in labs]
    assert "iot101-sensors" in ids and "energy-basics" in ids
    iot = labs[ids.index("iot101-sensors")]
    assert iot["title"]["vi"] and iot["devices"][0] == {"id": "air-1", "model": "air_quality"}


async def test_start_returns_the_topic_root_and_devices_and_is_idempotent(client, broker):
    first = await client.post("/trainees/an/labs/iot101-sensors/start")
    second = await client.post("/trainees/an/labs/iot101-sensors/start")
    assert first.status_code == 200 and first.json() == second.json()
    body = first.json()
    assert body["topic_root"] == "labs/an/iot101-sensors"
    assert [d["id"] for d in body["devices"]] == ["air-1", "effluent-1"]
    assert "ping" in body["devices"][0]["commands"]
    assert len(broker.connections) == 2


async def test_check_returns_passed_and_messages(client, broker):
    await client.post("/trainees/an/labs/iot101-sensors/start")
    broker.publish("labs/an/iot101-sensors/air-1/cmd", b'{"id": 1, "action": "ping"}', qos=1)
    body = (await client.get("/trainees/an/labs/iot101-sensors/check")).json()
    assert body["passed"] == 1 and body["total"] == 5
    first, second = body["checks"][:2]
    assert first["id"] == "ping-station" and first["passed"] and first["message"] is None
    assert not second["passed"] and second["message"]["en"]


async def test_check_says_which_checks_have_a_hint_and_no_repair_time_before_a_fix(client):
    await client.post("/trainees/an/labs/iot101-sensors/start")
    body = (await client.get("/trainees/an/labs/iot101-sensors/check")).json()
    stuck = next(c for c in body["checks"] if c["id"] == "stuck-pm25")
    assert stuck["has_hint"] is True
    # No fault condition with a window, no fix yet: neither is given.
    assert "repair_s" not in stuck and "within_s" not in stuck


async def test_labs_lists_the_checks_with_a_hint(client):
    labs = (await client.get("/labs")).json()
    iot = next(lab for lab in labs if lab["id"] == "iot101-sensors")
    assert iot["hints"] == iot["checks"]  # every check of iot101-sensors has one


async def test_a_hint_is_given_without_the_lab_running_and_a_repeat_says_so(client):
    first = await client.post("/trainees/an/labs/iot101-sensors/checks/calibrate-ph/hint")
    again = await client.post("/trainees/an/labs/iot101-sensors/checks/calibrate-ph/hint")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["trainee"] == "an" and body["check"] == "calibrate-ph"
    assert "reference 7.0" in body["hint"]["en"] and body["hint"]["vi"]
    assert body["repeated"] is False and again.json()["repeated"] is True


async def test_a_hint_on_an_unknown_check_is_404_naming_it_and_the_labs_checks(client):
    response = await client.post("/trainees/an/labs/iot101-sensors/checks/calibrate/hint")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "lab 'iot101-sensors' has no check 'calibrate'; checks: ping-station, slow-down-air, "
        "stuck-pm25, calibrate-ph, ack-effluent-alarm")


async def test_a_hint_on_an_unknown_lab_or_a_bad_check_id_is_refused(client):
    unknown = await client.post("/trainees/an/labs/nope/checks/calibrate-ph/hint")
    assert unknown.status_code == 404 and "no lab 'nope'" in unknown.json()["detail"]
    bad = await client.post("/trainees/an/labs/iot101-sensors/checks/Not%20an%20id/hint")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["path", "check"]


async def test_stop_then_show_is_not_found(client):
    await client.post("/trainees/an/labs/iot101-sensors/start")
    assert (await client.post("/trainees/an/labs/iot101-sensors/stop")).json() == {
        "stopped": True}
    response = await client.get("/trainees/an/labs/iot101-sensors")
    assert response.status_code == 404 and "not running" in response.json()["detail"]


async def test_an_unknown_lab_is_404_naming_the_labs(client):
    response = await client.post("/trainees/an/labs/nope/start")
    assert response.status_code == 404
    assert "no lab 'nope'" in response.json()["detail"]


async def test_a_bad_trainee_name_is_422(client):
    response = await client.post("/trainees/An%20Nguyen/labs/iot101-sensors/start")
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["path", "trainee"] and "[a-z0-9]" in problem["msg"]


async def test_check_of_a_lab_not_started_is_404(client):
    response = await client.get("/trainees/an/labs/iot101-sensors/check")
    assert response.status_code == 404


async def test_inject_a_fault(client):
    await client.post("/trainees/an/labs/iot101-sensors/start")
    response = await client.post("/trainees/an/labs/iot101-sensors/devices/air-1/faults",
                                 json={"kind": "stuck", "channel": "co"})
    assert response.status_code == 200 and response.json()["injected"]["kind"] == "stuck"


async def test_inject_a_bad_fault_names_the_field(client):
    await client.post("/trainees/an/labs/iot101-sensors/start")
    response = await client.post("/trainees/an/labs/iot101-sensors/devices/air-1/faults",
                                 json={"kind": "stuck", "probability": 3})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "probability"] and "less than or equal to 1" in problem["msg"]


async def test_a_fault_body_that_is_not_utf8_is_named_as_such(client):
    await client.post("/trainees/an/labs/iot101-sensors/start")
    response = await client.post("/trainees/an/labs/iot101-sensors/devices/air-1/faults",
                                 content=b"\xff X \xfe \x16",
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body"] and "not UTF-8" in problem["msg"]


async def test_inject_into_an_unknown_device_is_404(client):
    await client.post("/trainees/an/labs/iot101-sensors/start")
    response = await client.post("/trainees/an/labs/iot101-sensors/devices/zz/faults",
                                 json={"kind": "offline"})
    assert response.status_code == 404 and "no device 'zz'" in response.json()["detail"]


def test_a_short_token_is_refused(broker):
    with pytest.raises(ValueError, match="at least 16"):
        create_control_app(Fleet(broker.connect, {}), "short")
