"""A fleet that dies resumes its labs and their evidence; a stopped lab's state goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab_devices.device.messages import Evidence
from lab_devices.fleet.runtime import Fleet
from lab_devices.fleet.state import FleetState, SavedLab
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.fake import FakeBroker

LABS = load_labs(Path(__file__).resolve().parents[3] / "labs")
ROOT = "labs/an/iot101-sensors"
pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fleet_on(broker: FakeBroker, folder: Path, clock: Clock, events: list) -> Fleet:
    return Fleet(broker.connect, LABS, events=events.extend, clock=clock,
                 state=FleetState(folder))


async def test_a_killed_fleet_resumes_its_labs_with_their_start_and_evidence(tmp_path, monday):
    broker, clock, events = FakeBroker(), Clock(monday + 9 * 3600), []
    first = fleet_on(broker, tmp_path, clock, events)
    await first.start_lab("an", "iot101-sensors")
    broker.publish(f"{ROOT}/air-1/cmd", b'{"id": 1, "action": "ping"}', qos=1)
    assert first.check_lab("an", "iot101-sensors")[0].passed
    started_at = first.runs[("an", "iot101-sensors")].started_at
    # Killed: nothing runs its close(). A new fleet process starts on the same folder.
    clock.now += 60
    events_after: list = []
    second = fleet_on(FakeBroker(), tmp_path, clock, events_after)
    [run] = await second.resume()
    assert (run.trainee, run.lab.id, run.started_at) == ("an", "iot101-sensors", started_at)
    [ping] = [r for r in second.check_lab("an", "iot101-sensors") if r.id == "ping-station"]
    assert ping.passed  # the evidence came back; no new ping was sent
    assert [type(e).__name__ for e in events_after] == ["CheckRecord"] * len(
        LABS["iot101-sensors"].checks)  # not announced again, evidence not re-sent


async def test_a_stopped_lab_is_not_resumed_and_its_evidence_is_gone(tmp_path, monday):
    broker, clock = FakeBroker(), Clock(monday)
    fleet = fleet_on(broker, tmp_path, clock, [])
    await fleet.start_lab("an", "iot101-sensors")
    broker.publish(f"{ROOT}/air-1/cmd", b'{"id": 1, "action": "ping"}', qos=1)
    assert await fleet.stop_lab("an", "iot101-sensors")
    assert json.loads((tmp_path / "labs.json").read_text()) == {"labs": []}
    assert FleetState(tmp_path).evidence("an", "iot101-sensors") == []
    assert await fleet_on(FakeBroker(), tmp_path, clock, []).resume() == []


async def test_a_graceful_stop_keeps_the_labs_for_the_next_run(tmp_path, monday):
    fleet = fleet_on(FakeBroker(), tmp_path, Clock(monday), [])
    await fleet.start_lab("an", "iot101-sensors")
    await fleet.close()
    assert FleetState(tmp_path).load_labs() == [SavedLab("an", "iot101-sensors", monday)]


async def test_a_lab_whose_file_is_gone_is_dropped(tmp_path, monday):
    FleetState(tmp_path).save_labs([SavedLab("an", "no-such-lab", monday)])
    fleet = fleet_on(FakeBroker(), tmp_path, Clock(monday), [])
    assert await fleet.resume() == []
    assert FleetState(tmp_path).load_labs() == []


async def test_labs_wait_in_the_file_while_the_broker_refuses_then_resume(tmp_path, monday):
    FleetState(tmp_path).save_labs([SavedLab("an", "iot101-sensors", monday)])
    broker = FakeBroker()
    refusals = iter([True, True])
    real_connect = broker.connect

    def connect(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        if next(refusals, False):
            async def refuse(timeout: float = 10.0) -> None:
                raise ConnectionError("broker restarting")
            connection.start = refuse
        return connection

    fleet = Fleet(connect, LABS, clock=Clock(monday), state=FleetState(tmp_path))
    [run] = await fleet.resume(first_retry=0.01)
    assert run.trainee == "an"
    assert FleetState(tmp_path).load_labs() == [SavedLab("an", "iot101-sensors", monday)]


def test_an_unreadable_state_file_is_named(tmp_path):
    (tmp_path / "labs.json").write_text("{not json")
    with pytest.raises(ValueError, match="labs.json: not a fleet's list of labs"):
        FleetState(tmp_path).load_labs()


def test_an_evidence_line_cut_short_by_a_kill_is_skipped(tmp_path, monday):
    state = FleetState(tmp_path)
    state.append_evidence([Evidence("an", "lab", "air-1", "ping", {}, monday)])
    state.close()
    with (tmp_path / "evidence" / "an" / "lab.jsonl").open("a") as handle:
        handle.write('{"trainee": "an", "la')
    assert [e.action for e in FleetState(tmp_path).evidence("an", "lab")] == ["ping"]
