"""Live validation's parts: which cells of a live run are problems (unit), and the live
lab itself: a private broker and fleet that a notebook reaches through `connect`
(integration, real Mosquitto)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import nbformat
import paho.mqtt.client as mqtt
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from lab_devices.labs.labfile import load_lab
from senlab.grading.live import LiveLab, NotebookRun, blank_problems, solution_problems
from senlab.lab import LabError, connect
from senlab.settings import REPO_ROOT, Settings

FILE = "source/a/a.ipynb"
LAB = "iot101-sensors"


def cell(grade_id: str, *, test: bool, error: str | None = None, ran: bool = True):  # noqa: ANN201
    node = new_code_cell("...", metadata={"nbgrader": {
        "grade_id": grade_id, "grade": test, "solution": not test, "points": 1 if test else 0}})
    node.execution_count = 1 if ran else None
    if error:
        node.outputs = [nbformat.from_dict({"output_type": "error", "ename": error,
                                            "evalue": "why", "traceback": []})]
    return node


def run_of(*cells, stopped_at: str = "", stopped_why: str = "") -> NotebookRun:  # noqa: ANN002
    return NotebookRun(FILE, new_notebook(cells=list(cells)), stopped_at, stopped_why)


def test_a_failing_test_and_a_raising_answer_in_the_solution_are_named() -> None:
    run = run_of(cell("q1", test=False, error="TimeoutError"), cell("t1", test=True,
                                                                     error="AssertionError"))
    found = {(p.cell, p.reason) for p in solution_problems(run, set())}
    assert found == {("q1", "the solution raises live: TimeoutError: why"),
                     ("t1", "the solution fails live: AssertionError: why")}


def test_what_the_sandbox_reported_already_is_not_repeated() -> None:
    run = run_of(cell("t1", test=True, error="AssertionError"))
    assert solution_problems(run, {(FILE, "t1")}) == []


def test_a_solution_cut_short_names_the_cell_where_it_stopped() -> None:
    run = run_of(cell("q1", test=False), stopped_at="q1",
                 stopped_why="the cell ran longer than 5 s live")
    [problem] = solution_problems(run, set())
    assert (problem.cell, problem.reason) == ("q1", "the cell ran longer than 5 s live")


def test_a_test_the_blank_passes_live_is_named_and_failing_or_unrun_tests_are_not() -> None:
    run = run_of(cell("t1", test=True), cell("t2", test=True, error="NameError"),
                 cell("t3", test=True, ran=False), cell("q1", test=False))
    [problem] = blank_problems(run, set())
    assert problem.cell == "t1" and "blank notebook passes this test live" in problem.reason


# -- the live lab, on a real broker -------------------------------------------------------

@pytest.fixture()
def live(tmp_path: Path):  # noqa: ANN201
    spec = load_lab(REPO_ROOT / "labs" / LAB / "lab.yaml")
    with LiveLab(Settings(home=tmp_path / "home"), spec, tmp_path, "validator") as lab:
        yield lab


def trainee_settings(live: LiveLab, tmp_path: Path, **changes: str) -> Settings:
    env = live.kernel_environment(tmp_path)
    fields = {"mqtt_host": env["SENLAB_MQTT_HOST"], "mqtt_port": int(env["SENLAB_MQTT_PORT"]),
              "mqtt_username": env["SENLAB_MQTT_USERNAME"],
              "mqtt_password": env["SENLAB_MQTT_PASSWORD"],
              "topic_root": env["SENLAB_TOPIC_ROOT"], **changes}
    return Settings(home=tmp_path / "trainee", **fields)


def ping(client: mqtt.Client, topic_root: str) -> dict:
    replies: list[dict] = []
    arrived = threading.Event()

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        replies.append(json.loads(message.payload))
        arrived.set()

    client.on_message = on_message
    client.subscribe(f"{topic_root}/air-1/reply", qos=1)
    body = json.dumps({"id": "p1", "action": "ping"})
    client.publish(f"{topic_root}/air-1/cmd", body, qos=1).wait_for_publish(15)
    assert arrived.wait(15), "no reply from air-1"
    return replies[0]


@pytest.mark.integration
def test_a_notebook_reaches_the_live_lab_through_connect_and_a_check_passes(
    live: LiveLab, tmp_path: Path
) -> None:
    assert not {r.id: r.passed for r in live.checks()}["ping-station"]
    lab = connect(LAB, settings=trainee_settings(live, tmp_path))
    client = lab.mqtt_client()
    try:
        reply = ping(client, lab.topic_root)
    finally:
        client.loop_stop()
        client.disconnect()
    assert reply["id"] == "p1" and reply["ok"] is True
    assert {r.id: r.passed for r in live.checks()}["ping-station"]


@pytest.mark.integration
def test_a_restarted_live_lab_has_forgotten_what_the_notebook_did(
    live: LiveLab, tmp_path: Path
) -> None:
    lab = connect(LAB, settings=trainee_settings(live, tmp_path))
    client = lab.mqtt_client()
    try:
        ping(client, lab.topic_root)
    finally:
        client.loop_stop()
        client.disconnect()
    live.restart()
    assert not {r.id: r.passed for r in live.checks()}["ping-station"]


@pytest.mark.integration
def test_a_wrong_password_is_refused_by_name(live: LiveLab, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENLAB_LANG", "en")  # the message in English, as matched here
    lab = connect(LAB, settings=trainee_settings(live, tmp_path, mqtt_password="wrong"))
    with pytest.raises(LabError, match="refused 'validator'"):
        lab.mqtt_client(timeout=10)


@pytest.mark.integration
def test_the_broker_is_gone_once_the_live_lab_stops(tmp_path: Path) -> None:
    spec = load_lab(REPO_ROOT / "labs" / LAB / "lab.yaml")
    with LiveLab(Settings(home=tmp_path / "home"), spec, tmp_path, "validator") as lab:
        process = lab.broker.process
        assert process is not None and process.poll() is None
    assert process.poll() is not None


@pytest.mark.integration
def test_in_the_sandbox_the_live_cells_raise_and_cost_the_solution_nothing(
    grading_settings: Settings, submit_as  # noqa: ANN001
) -> None:
    from senlab.courses import course_root
    from senlab.grading.pool import grade_assignment

    submit_as(grading_settings, "live-offline")  # every answer cell, live ones included
    [result] = grade_assignment(grading_settings, "iot101", "mqtt-telemetry",
                                trainees=["live-offline"])
    assert result.ok and result.score == result.max_score == 6
    path = (course_root(grading_settings, "iot101") / "autograded" / "live-offline"
            / "mqtt-telemetry" / "mqtt-telemetry.ipynb")
    cells = {c.metadata.nbgrader["grade_id"]: c for c in nbformat.read(path, as_version=4).cells}
    [error] = [o for o in cells["live-connect"].outputs if o.output_type == "error"]
    assert error.ename == "LabError" and "SENLAB_MQTT_USERNAME" in error.evalue
    assert all(not o.get("output_type") == "error" for o in cells["q3-tests"].outputs)


def test_a_broker_that_cannot_start_is_one_problem_naming_the_reason(tmp_path: Path) -> None:
    from senlab.courses import load_course
    from senlab.grading.live import validate_live

    settings = Settings(home=tmp_path, mosquitto="no-such-mosquitto")
    assignment = load_course(REPO_ROOT / "courses" / "iot101").assignment("mqtt-telemetry")

    [problem] = validate_live(settings, tmp_path / "source", tmp_path / "release", assignment)

    assert (problem.file, problem.cell) == ("source/mqtt-telemetry", "(live lab)")
    assert problem.reason.startswith("the private broker did not start: Mosquitto is not")
