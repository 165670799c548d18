"""A graded course end to end on the real hub: publish, fetch, submit, autograde, feedback.

Nobody runs a grading command: the hub's `grader` service notices the submissions.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import senlab.lab
from senlab.settings import Settings
from tests.stack.harness import REPO, Stack, login, process_environ

pytestmark = pytest.mark.integration
COURSE, ASSIGNMENT = "iot101", "mqtt-telemetry"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOURCE = REPO / "courses" / COURSE / "source" / ASSIGNMENT / NOTEBOOK


def server_client(stack: Stack, user: str) -> tuple[httpx.Client, dict[str, str]]:
    """Start `user`'s server; return a client for it that uses the server's own token."""
    client = login(stack, user)
    xsrf = client.cookies.get("_xsrf")
    client.post(f"/hub/api/users/{user}/server", headers={"X-XSRFToken": xsrf})
    deadline = time.monotonic() + 90
    while not client.get(f"/hub/api/users/{user}").json()["servers"].get("", {}).get("ready"):
        assert time.monotonic() < deadline, f"{user}'s server did not start"
        time.sleep(0.5)
    env = process_environ(stack.processes(JUPYTERHUB_USER=user)[0])
    api = httpx.Client(base_url=f"{stack.url}/user/{user}", timeout=60,
                       headers={"Authorization": f"token {env['JUPYTERHUB_API_TOKEN']}"})
    return api, env


def solutions() -> dict[str, str]:
    """Each answer cell's solution, from the course source."""
    notebook = json.loads(SOURCE.read_text())
    answers = {}
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            source = "".join(cell["source"])
            answers[meta["grade_id"]] = re.sub(r"### (BEGIN|END) SOLUTION\n?", "", source)
    return answers


def fetch_and_submit(api: httpx.Client, *, correct: bool) -> None:
    fetched = api.post("/assignments/fetch", data={"course_id": COURSE,
                                                   "assignment_id": ASSIGNMENT})
    assert fetched.status_code == 200 and fetched.json()["success"], fetched.text
    path = f"/api/contents/{COURSE}/{ASSIGNMENT}/{NOTEBOOK}"
    model = api.get(path, params={"content": 1}).json()
    notebook = model["content"]
    answers = solutions()
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id] if correct else "th01_temperatures = []\n"
    saved = api.put(path, json={"type": "notebook", "format": "json", "content": notebook})
    assert saved.status_code == 200, saved.text
    submitted = api.post("/assignments/submit", data={"course_id": COURSE,
                                                      "assignment_id": ASSIGNMENT})
    assert submitted.status_code == 200 and submitted.json()["success"], submitted.text


def progress_grade(stack: Stack, env: dict[str, str], user: str) -> dict | None:
    response = httpx.get(f"{stack.url}/services/progress/api/trainees/{user}/progress",
                         headers={"Authorization": f"token {env['JUPYTERHUB_API_TOKEN']}"},
                         timeout=10)
    assert response.status_code == 200, response.text
    for course in response.json()["courses"]:
        for grade in course.get("grades", []):
            if grade["assignment"] == ASSIGNMENT:
                return grade
    return None


@pytest.fixture(scope="module")
def published(stack) -> Stack:
    result = subprocess.run([sys.executable, "-m", "senlab.cli", "course", "publish", COURSE],
                            cwd=REPO, env=stack.env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return stack


def test_publishing_locks_the_course_folder_away_from_trainees(published):
    root = published.home / "courses" / COURSE
    assert (root / "source" / ASSIGNMENT / NOTEBOOK).exists()
    assert root.stat().st_mode & 0o007 == 0


def test_submissions_are_graded_without_anyone_running_a_command(published):
    stack = published
    api1, env1 = server_client(stack, "trainee1")
    api2, env2 = server_client(stack, "trainee2")
    fetch_and_submit(api1, correct=True)
    fetch_and_submit(api2, correct=False)
    deadline = time.monotonic() + 60
    grades: dict[str, dict | None] = {"trainee1": None, "trainee2": None}
    while time.monotonic() < deadline and not all(grades.values()):
        grades = {"trainee1": progress_grade(stack, env1, "trainee1"),
                  "trainee2": progress_grade(stack, env2, "trainee2")}
        time.sleep(2)
    assert grades["trainee1"] and grades["trainee2"], f"not graded within 60 s: {grades}"
    assert grades["trainee1"]["score"] == grades["trainee1"]["max_score"] == 6
    assert grades["trainee2"]["score"] == 0
    stack.apis = {"trainee1": api1, "trainee2": api2}


def test_feedback_is_released_to_each_trainee(published):
    api = published.apis["trainee1"]
    deadline = time.monotonic() + 30
    while True:
        fetched = api.post("/assignments/fetch_feedback",
                           data={"course_id": COURSE, "assignment_id": ASSIGNMENT})
        assert fetched.status_code == 200, fetched.text
        listing = api.get(f"/api/contents/{COURSE}/{ASSIGNMENT}").json()["content"]
        if any(item["name"] == "feedback" for item in listing):
            break
        assert time.monotonic() < deadline, "no feedback fetched within 30 s"
        time.sleep(2)


def test_a_trainee_cannot_read_the_course_source_from_their_server(published):
    api = published.apis["trainee2"]
    source = Path(published.home / "courses" / COURSE / "source" / ASSIGNMENT / NOTEBOOK)
    kernel = api.post("/api/kernels", json={"name": "python3"}).json()
    assert "id" in kernel, kernel
    # Read it as the trainee's own account would: the server process's uid.
    pid = published.processes(JUPYTERHUB_USER="trainee2")[0]
    uid, gid = Path(f"/proc/{pid}").stat().st_uid, Path(f"/proc/{pid}").stat().st_gid
    private = [published.home / name for name in
               ("progress.sqlite", "jupyterhub.sqlite", "demo-roster.csv", "log/hub.log",
                "secrets/broker-key", "broker/passwd")]
    # the published copy, the repository's course source, and SenLab's own state
    for path in (source, SOURCE, *private):
        result = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}",
                                 "--clear-groups", "cat", str(path)],
                                capture_output=True, text=True)
        assert result.returncode != 0
        assert "Permission denied" in result.stderr
    api.delete(f"/api/kernels/{kernel['id']}")


def test_lab_starts_and_check_results_reach_the_progress_service(published):
    env = process_environ(published.processes(JUPYTERHUB_USER="trainee1")[0])
    settings = Settings(home=published.home, progress_url=f"{published.url}/services/progress/",
                        hub_service_token=env["JUPYTERHUB_API_TOKEN"])
    lab = senlab.lab.start("iot101-sensors", settings=settings)
    table = lab.check()
    deadline = time.monotonic() + 30
    while True:
        response = httpx.get(f"{published.url}/services/progress/api/trainees/trainee1/progress",
                             headers={"Authorization": f"token {env['JUPYTERHUB_API_TOKEN']}"})
        course = next(c for c in response.json()["courses"] if c["course"] == COURSE)
        recorded = {(c["lab"], c["check"]) for c in course["checks"]}
        if course["lab_started_at"] and len(recorded) == len(table.checks):
            break
        assert time.monotonic() < deadline, f"lab events not recorded within 30 s: {course}"
        time.sleep(1)
    assert recorded == {("iot101-sensors", check["id"]) for check in table.checks}


def test_only_the_instructor_gets_formgrader(published):
    instructor, _ = server_client(published, "instructor1")
    assignments = instructor.get("/formgrader/api/assignments")
    assert assignments.status_code == 200, assignments.text
    assert [a["name"] for a in assignments.json()] == [ASSIGNMENT]
    submissions = instructor.get(f"/formgrader/api/submissions/{ASSIGNMENT}").json()
    assert {s["student"] for s in submissions} >= {"trainee1", "trainee2"}
    trainee = published.apis["trainee1"]
    assert trainee.get("/formgrader/api/assignments").status_code == 404
