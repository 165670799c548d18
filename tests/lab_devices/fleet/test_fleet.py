"""The fleet on the in-memory broker: lab control, topics, commands, events, restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab_devices.device.faults import Fault
from lab_devices.device.messages import Evidence
from lab_devices.fleet.runtime import (
    CheckRecord,
    Fleet,
    FleetError,
    InvalidName,
    LabNotRunning,
    LabStartedRecord,
    UnknownLab,
)
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.fake import FakeBroker, topic_matches

LABS = Path(__file__).resolve().parents[3] / "labs"
pytestmark = pytest.mark.anyio
ROOT = "labs/an/iot101-sensors"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def events() -> list:
    return []


@pytest.fixture
def clock(monday) -> Clock:
    return Clock(monday + 9 * 3600)


@pytest.fixture
def fleet(broker, events, clock) -> Fleet:
    return Fleet(broker.connect, load_labs(LABS), events=events.extend, clock=clock)


def advance(fleet: Fleet, clock: Clock, seconds: float, step: float = 0.5) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        fleet.tick_due(clock.now)


def replies(broker: FakeBroker, device: str = "air-1") -> list[dict]:
    return [json.loads(p) for p in broker.messages(f"{ROOT}/{device}/reply")]


def send(broker: FakeBroker, payload: bytes, device: str = "air-1") -> None:
    broker.publish(f"{ROOT}/{device}/cmd", payload, qos=1)


@pytest.mark.parametrize(("pattern", "topic", "matches"), [
    ("labs/#", "labs/a/b", True), ("labs/+/b", "labs/a/b", True), ("labs/+", "labs/a/b", False),
    ("#", "x", True), ("labs/a", "labs/a/b", False),
])
def test_fake_broker_matches_filters_as_mqtt_does(pattern, topic, matches):
    assert topic_matches(pattern, topic) is matches


async def test_start_publishes_meta_status_and_telemetry_under_the_topic_root(fleet, broker,
                                                                              clock):
    run = await fleet.start_lab("an", "iot101-sensors")
    assert run.describe()["topic_root"] == ROOT
    assert [d["topic"] for d in run.describe()["devices"]] == [f"{ROOT}/air-1",
                                                               f"{ROOT}/effluent-1"]
    assert broker.retained[f"{ROOT}/air-1/status"] == b"online"
    assert json.loads(broker.retained[f"{ROOT}/effluent-1/meta"])["model"] == "wastewater"
    advance(fleet, clock, 2)
    assert broker.messages(f"{ROOT}/air-1/telemetry")
    assert broker.messages(f"{ROOT}/effluent-1/telemetry")


async def test_each_device_has_its_own_connection_and_last_will(fleet, broker):
    await fleet.start_lab("an", "iot101-sensors")
    connection = broker.connections["fleet:an/iot101-sensors/air-1"]
    assert connection.will.topic == f"{ROOT}/air-1/status" and connection.will.retain
    assert connection.clean_session is False
    broker.drop("fleet:an/iot101-sensors/air-1")
    assert broker.retained[f"{ROOT}/air-1/status"] == b"offline"


async def test_start_is_idempotent(fleet, broker, events):
    first = await fleet.start_lab("an", "iot101-sensors")
    second = await fleet.start_lab("an", "iot101-sensors")
    assert first is second
    assert len(broker.connections) == 2
    assert [type(e) for e in events] == [LabStartedRecord]


async def test_a_command_round_trips_with_its_id(fleet, broker, clock):
    await fleet.start_lab("an", "iot101-sensors")
    advance(fleet, clock, 2)
    send(broker, b'{"id": 42, "action": "ping"}')
    assert replies(broker)[-1]["id"] == 42 and replies(broker)[-1]["ok"] is True


async def test_garbage_gets_an_error_reply_and_the_device_keeps_publishing(fleet, broker,
                                                                            clock):
    await fleet.start_lab("an", "iot101-sensors")
    send(broker, b"\x00garbage")
    assert replies(broker)[-1]["ok"] is False
    before = len(broker.messages(f"{ROOT}/air-1/telemetry"))
    advance(fleet, clock, 5)
    assert len(broker.messages(f"{ROOT}/air-1/telemetry")) > before


async def test_evidence_goes_to_the_sink_as_records(fleet, broker, events):
    await fleet.start_lab("an", "iot101-sensors")
    send(broker, b'{"id": 1, "action": "set_interval", "seconds": 10}')
    evidence = [e for e in events if isinstance(e, Evidence)]
    assert [e.action for e in evidence] == ["setpoint_changed", "command_accepted"]
    assert evidence[0].trainee == "an" and evidence[0].device == "air-1"


async def test_check_returns_each_check_and_posts_the_results(fleet, broker, events):
    await fleet.start_lab("an", "iot101-sensors")
    send(broker, b'{"id": 1, "action": "ping"}')
    results = fleet.check_lab("an", "iot101-sensors")
    assert results[0].id == "ping-station" and results[0].passed
    posted = [e for e in events if isinstance(e, CheckRecord)]
    assert posted[0] == CheckRecord("an", "iot101-sensors", "ping-station", True, fleet.clock())


async def test_two_trainees_get_separate_devices(fleet, broker, clock):
    await fleet.start_lab("an", "iot101-sensors")
    await fleet.start_lab("binh", "iot101-sensors")
    send(broker, b'{"id": 1, "action": "set_interval", "seconds": 10}')
    assert fleet.runs[("an", "iot101-sensors")].hosts["air-1"].device.interval == 10
    assert fleet.runs[("binh", "iot101-sensors")].hosts["air-1"].device.interval == 2


async def test_stop_says_offline_and_disconnects(fleet, broker, clock):
    await fleet.start_lab("an", "iot101-sensors")
    assert await fleet.stop_lab("an", "iot101-sensors") is True
    assert broker.retained[f"{ROOT}/air-1/status"] == b"offline"
    assert broker.connections == {}
    before = len(broker.log)
    advance(fleet, clock, 5)
    assert len(broker.log) == before
    assert await fleet.stop_lab("an", "iot101-sensors") is False


async def test_stopping_a_lab_forgets_its_devices_sessions(fleet, broker):
    await fleet.start_lab("an", "iot101-sensors")
    assert "fleet:an/iot101-sensors/air-1" in broker.sessions
    await fleet.stop_lab("an", "iot101-sensors")
    send(broker, b'{"id": 1, "action": "ping"}')
    assert "fleet:an/iot101-sensors/air-1" not in broker.sessions
    assert broker.queued == {}


async def test_after_a_broker_restart_meta_and_status_are_republished(fleet, broker, clock):
    await fleet.start_lab("an", "iot101-sensors")
    broker.restart()
    assert broker.retained[f"{ROOT}/air-1/status"] == b"online"
    assert f"{ROOT}/air-1/meta" in broker.retained


async def test_commands_sent_while_a_device_is_away_are_handled_when_it_returns(fleet, broker):
    await fleet.start_lab("an", "iot101-sensors")
    broker.drop("fleet:an/iot101-sensors/air-1")
    send(broker, b'{"id": 7, "action": "ping"}')
    assert replies(broker) == []
    broker.connections.clear()
    host = fleet.runs[("an", "iot101-sensors")].hosts["air-1"]
    host.connection.attach()
    assert replies(broker)[-1]["id"] == 7


async def test_a_broken_device_does_not_stop_the_others(fleet, broker, clock):
    run = await fleet.start_lab("an", "iot101-sensors")
    run.hosts["air-1"].device.measure = lambda now, dt: 1 / 0
    advance(fleet, clock, 10)
    assert fleet.tick_errors > 0
    assert broker.messages(f"{ROOT}/effluent-1/telemetry")


async def test_ticks_keep_their_cadence_and_phase(fleet, broker, clock):
    await fleet.start_lab("an", "iot101-sensors")
    advance(fleet, clock, 60, step=0.01)
    stamps = [json.loads(p)["ts"] for p in broker.messages(f"{ROOT}/air-1/telemetry")]
    gaps = {round(b - a, 2) for a, b in zip(stamps, stamps[1:], strict=False)}
    assert gaps == {2.0}


async def test_an_unknown_lab_is_refused_with_the_known_labs(fleet):
    known = ", ".join(sorted(load_labs(LABS)))
    with pytest.raises(UnknownLab, match=f"no lab 'nope'; labs: {known}$"):
        await fleet.start_lab("an", "nope")


@pytest.mark.parametrize("trainee", ["", "An", "a/b", "a+b", "#", "x" * 65])
async def test_a_trainee_name_that_cannot_be_a_topic_level_is_refused(fleet, trainee):
    with pytest.raises(InvalidName):
        await fleet.start_lab(trainee, "iot101-sensors")


async def test_check_of_a_lab_not_running_says_so(fleet):
    with pytest.raises(LabNotRunning, match="not running for 'an'"):
        fleet.check_lab("an", "iot101-sensors")


async def test_an_injected_fault_acts_now(fleet, broker, clock):
    await fleet.start_lab("an", "iot101-sensors")
    fleet.inject_fault("an", "iot101-sensors", "effluent-1", Fault("stuck", channel="cod"))
    advance(fleet, clock, 60)
    cods = {json.loads(p)["cod"] for p in broker.messages(f"{ROOT}/effluent-1/telemetry")[1:]}
    assert len(cods) == 1
    with pytest.raises(FleetError, match="no channel 'colour'"):
        fleet.inject_fault("an", "iot101-sensors", "effluent-1",
                           Fault("stuck", channel="colour"))


async def test_the_loop_wakes_less_often_when_few_devices_are_due(fleet):
    assert fleet.resolution() == 0.05
    fleet.active_devices = 5000
    assert fleet.resolution() == pytest.approx(0.02)
    fleet.active_devices = 50_000
    assert fleet.resolution() == 0.01


async def test_running_devices_are_counted(fleet):
    await fleet.start_lab("an", "iot101-sensors")
    await fleet.start_lab("an", "iot101-sensors")
    assert fleet.active_devices == 2
    await fleet.stop_lab("an", "iot101-sensors")
    assert fleet.active_devices == 0
