"""The fleet's events: SenLab's sink makes them with senlab.events, spools them, and the
real progress service takes every one (on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lab_devices.device.messages import Evidence
from lab_devices.fleet.runtime import CheckRecord, Fleet, HintRecord, LabStartedRecord
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.fake import FakeBroker
from senlab.events import BatchResult, EventBatch
from senlab.fleet import FleetEvents, event_of, fleet_sender
from senlab.progress.app import create_app
from senlab.progress.identity import Identity
from senlab.settings import REPO_ROOT, Settings
from senlab.spool import Spool, SpoolSender
from tests.progress.conftest import ApiAs

FLEET = Identity("fleet", kind="service")
AT = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC


@pytest.fixture
def api(settings):
    app = create_app(settings)
    yield ApiAs(app)
    app.state.engine.dispose()


def poster(api: ApiAs):
    """Posts as the fleet service does, to the real app; its per-event answer."""
    def post(events: list[dict]) -> BatchResult:
        response = api(FLEET, "POST", "/api/events", json={"events": events})
        assert response.status_code == 200, response.text
        return BatchResult.model_validate_json(response.content)
    return post


def test_each_kind_of_record_makes_an_event_of_the_services_schema():
    records = [LabStartedRecord("an", "iot101-sensors", AT),
               CheckRecord("an", "iot101-sensors", "ping-station", True, AT),
               Evidence("an", "iot101-sensors", "air-1", "command_accepted",
                        {"command": "ping"}, AT),
               HintRecord("an", "iot101-sensors", "stuck-pm25", AT)]
    parsed = EventBatch.model_validate({"events": [event_of(r) for r in records]}).events
    assert [e.type for e in parsed] == ["lab.started", "lab.check", "lab.evidence",
                                        "hint.taken"]
    assert parsed[2].data["kind"] == "command_accepted"
    assert parsed[2].data["detail"] == {"command": "ping"}
    assert parsed[3].data == {"trainee": "an", "lab": "iot101-sensors", "check": "stuck-pm25"}
    assert {e.occurred_at.isoformat() for e in parsed} == {"2026-05-28T20:26:40"}


def test_a_record_that_makes_no_valid_event_is_counted_and_the_others_still_go(tmp_path):
    sender = SpoolSender(Spool(tmp_path), lambda events: BatchResult(accepted=len(events)))
    sink = FleetEvents(sender)
    sink([CheckRecord("Not A Name", "iot101-sensors", "ping-station", True, AT),
          CheckRecord("an", "iot101-sensors", "ping-station", False, AT)])
    sender.close()
    assert sink.invalid == 1
    assert [e["data"]["trainee"] for e in sender.spool.pending()] == ["an"]


@pytest.mark.anyio
async def test_a_labs_events_reach_the_real_service_once_each(api, tmp_path):
    spool = Spool(tmp_path / "spool")
    sender = SpoolSender(spool, poster(api))  # not started: delivered by hand below
    broker = FakeBroker()
    fleet = Fleet(broker.connect, load_labs(REPO_ROOT / "labs"), events=FleetEvents(sender),
                  clock=time.time)
    await fleet.start_lab("an", "iot101-sensors")
    broker.publish("labs/an/iot101-sensors/air-1/cmd", b'{"id": 1, "action": "ping"}', qos=1)
    fleet.check_lab("an", "iot101-sensors")
    fleet.hint("an", "iot101-sensors", "stuck-pm25")
    await fleet.close()
    sender.close()  # spools what it holds
    made = spool.pending()
    kinds = sorted({e["type"] for e in made})
    assert kinds == ["hint.taken", "lab.check", "lab.evidence", "lab.started"]
    delivery = spool.deliver(poster(api))
    assert (delivery.accepted, delivery.duplicates, delivery.rejected) == (len(made), 0, 0)
    assert spool.pending() == []
    # Sent again (an answer lost on the way), each is a duplicate, never a second copy.
    again = poster(api)(made)
    assert (again.accepted, again.duplicates) == (0, len(made))


def test_the_fleet_posts_only_with_the_token_the_hub_gave_it(tmp_path: Path):
    assert fleet_sender(Settings(home=tmp_path)) is None
    sender = fleet_sender(Settings(home=tmp_path, hub_service_token="t" * 32))
    assert sender is not None
    assert sender.spool.folder == tmp_path / "spool" / "fleet"
