"""Each managed service killed with SIGKILL during a running lab: back, and nothing lost.
Then the progress service silent for a minute while a lab runs and a submission is graded:
every event waits in its producer's spool and is stored once when it answers.

The hub restarts a dead service (polled every second, `senlab.hub.services`); the fleet
resumes its labs and their evidence (`lab_devices.fleet.state`); the devices' persistent
sessions keep a QoS 1 command sent while the fleet was down, and the trainee's client
keeps one sent while the broker was down. The time from the kill until each service
serves again is printed with the figures (bench/restart.py measures it against the hub's
own 30 s poll).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from senlab.broker import BrokerAccounts
from senlab.broker.config import AUTOSAVE_S
from senlab.settings import Settings
from senlab.spool import Spool, spool_folder
from tests.figures import record
from tests.stack.harness import Stack, running_stack
from tests.stack.recovery import LAB, SERVICES, TRAINEE, fleet_api, measure, observe, wait
from tests.stack.test_courses import fetch_and_submit, server_client

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


def check_passed(fleet, check: str) -> bool:
    answer = fleet.get(f"/trainees/{TRAINEE}/labs/{LAB}/check").json()
    return next(c["passed"] for c in answer["checks"] if c["id"] == check)


def test_each_service_killed_during_a_lab_serves_again_and_nothing_is_lost(stack, request):
    fleet = fleet_api(stack)
    assert fleet.post(f"/trainees/{TRAINEE}/labs/{LAB}/start").status_code == 200
    observer = observe(stack)
    try:
        wait(lambda: observer.telemetry_since(0), "the lab's telemetry", 30)
        observer.command("air-1", 1)
        wait(lambda: 1 in observer.replies, "the reply to a ping", 10)
        assert check_passed(fleet, "ping-station")
        # Sessions reach the broker's file at its next save: a broker killed before that
        # loses the sessions made since, as the docs say. Wait for two saves.
        time.sleep(2 * AUTOSAVE_S + 0.5)
        took = {}
        for number, name in enumerate(SERVICES, start=10):
            # Fleet and broker: a command sent while it is down. An unknown action, so
            # that its reply proves delivery and adds no evidence to the ping check. With
            # the broker down, it is sent once the client knows it is cut off (a message
            # written into a socket the kernel is tearing down is the client library's
            # loss, not SenLab's), and the client keeps it until it reconnects.
            during = None
            if name in ("fleet", "broker"):
                def during(number: int = number, name: str = name) -> None:
                    if name == "broker":
                        wait(lambda: not observer.connected.is_set(),
                             "the client to notice the broker is gone", 10)
                    observer.command("air-1", number, action="no-such-action")
            took[name] = measure(stack, name, observer, fleet, during=during)
            if during is not None:
                wait(lambda n=number: n in observer.replies,
                     f"the reply to the command sent while the {name} was down", 30)
            assert check_passed(fleet, "ping-station"), f"evidence lost with the {name}"
        # The devices' retained status came back with the broker: all online.
        assert set(observer.status.values()) == {b"online"}, observer.status
    finally:
        observer.close()
        fleet.close()
    record(request.config, "serving again after SIGKILL during a lab: "
           + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in took.items()))
    for name, seconds in took.items():
        assert seconds < 30, f"{name} took {seconds:.1f} s to serve again"


def pending_events(stack: Stack, producer: str) -> list[dict]:
    """What `producer`'s spool holds, as the spool itself counts it."""
    return Spool(spool_folder(stack.home, producer)).pending()


def stored(stack: Stack, trainee: str) -> dict[str, str]:
    """The progress service's event log for `trainee`: id → type. (An earlier test's
    events, such as a batch its SIGKILL left unrenamed and the spool sends later, are
    another trainee's.)"""
    with sqlite3.connect(stack.home / "progress.sqlite") as db:
        return {id_: type_ for id_, type_, trainee_ in db.execute(
            "SELECT id, type, json_extract(data, '$.trainee') FROM events")
            if trainee_ == trainee}


def test_a_minute_without_the_progress_service_loses_nothing_and_stores_nothing_twice(
        stack, request):
    trainee = "trainee2"
    api, _env = server_client(stack, trainee)  # logged in and spawned before the outage
    fleet = fleet_api(stack)
    settings = Settings(home=stack.home, mqtt_port=stack.ports["MQTT_PORT"])
    before = stored(stack, trainee)
    frozen = stack.processes(JUPYTERHUB_SERVICE_NAME="progress")
    for pid in frozen:  # alive but silent: the hub does not restart it, nobody gets answers
        os.kill(pid, signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        assert fleet.post(f"/trainees/{trainee}/labs/{LAB}/start").status_code == 200
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        credentials = BrokerAccounts(settings).trainee(trainee)
        client.username_pw_set(credentials.username, credentials.password)
        client.connect("127.0.0.1", stack.ports["MQTT_PORT"])
        client.loop_start()
        client.publish(f"labs/{trainee}/{LAB}/air-1/cmd", b'{"id": 1, "action": "ping"}',
                       qos=1).wait_for_publish(10)
        wait(lambda: any(e["type"] == "lab.evidence" for e in pending_events(stack, "fleet")),
             "the ping's evidence in the fleet's spool", 30)
        client.loop_stop()
        client.disconnect()
        assert fleet.get(f"/trainees/{trainee}/labs/{LAB}/check").status_code == 200
        fetch_and_submit(api, correct=True)
        wait(lambda: any(e["type"] == "grade.recorded" and e["data"]["trainee"] == trainee
                         for e in pending_events(stack, "grader")),
             "the grade in the grader's spool", 55)
        time.sleep(max(0.0, stopped_at + 60 - time.monotonic()))
        waiting = {producer: [e for e in pending_events(stack, producer)
                              if e["data"].get("trainee") == trainee]
                   for producer in ("fleet", "grader")}
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
    outage = time.monotonic() - stopped_at
    try:  # a producer's next try may be 30 s away (its backoff), plus a 10 s timeout
        wait(lambda: not pending_events(stack, "fleet") and not pending_events(stack, "grader"),
             "both spools delivered", 120)
    except AssertionError:
        left = {p: len(pending_events(stack, p)) for p in ("fleet", "grader")}
        hub_log = (stack.home / "log" / "hub.log").read_text(errors="replace")
        spool_lines = [line for line in hub_log.splitlines() if "spool" in line][-12:]
        raise AssertionError(f"events still pending {time.monotonic() - stopped_at - outage:.0f}"
                             f" s after the service answered: {left}; the hub's log says:\n"
                             + "\n".join(spool_lines)) from None
    delivered_at = time.monotonic()
    after = stored(stack, trainee)
    sent = [event for events in waiting.values() for event in events]
    ids = {event["id"] for event in sent}
    assert len(ids) == len(sent), "an event waited twice in the spools"
    assert ids <= set(after), f"lost: {sorted(ids - set(after))}"
    new = set(after) - set(before)
    assert new == ids, f"stored but never spooled: {sorted(new - ids)}"
    grades = [i for i in new if after[i] == "grade.recorded"]
    assert len(grades) == 1
    counts = {p: len(events) for p, events in waiting.items()}
    record(request.config,
           f"progress service silent {outage:.0f} s: {len(sent)} events spooled "
           f"(fleet {counts['fleet']}, grader {counts['grader']}), {len(new)} stored once each, "
           f"0 lost; spools empty {delivered_at - stopped_at - outage:.1f} s after it answered")
