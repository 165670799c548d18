"""No request gets a 500: schemathesis against the running demo stack, for every role.

One `senlab up --demo` serves the whole module. Before fuzzing, the real API is given what a
province has: the demo's parks, enterprises and courses, a certificate (trainee1's iot101,
completed by the admin service) and a running lab (trainee1's iot101-sensors). Then the
progress service is fuzzed through the hub's proxy once per role, each with that role's
own hub token, and the fleet's control API with its bearer token. The three requests that
once answered 500 are kept as regression tests. The module's figures (requests per role,
time) are printed at the end of the session.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import httpx
import pytest

from lab_devices.labs.labfile import load_labs
from senlab import events
from senlab.courses import list_courses
from senlab.hub.cohort import demo_cohort
from tests.figures import record
from tests.stack.fuzz import FAIL_ON, FuzzRun, Target, binding, budget, run_schemathesis
from tests.stack.harness import REPO, Stack, running_stack

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]
ADMIN_TOKEN = secrets.token_hex(24)
ROLES = {"trainee": "trainee1", "instructor": "instructor1", "manager": "manager1",
         "dost": "dost1", "admin service": None}
PROGRESS = "/services/progress"
# What schemathesis expects for schema-valid data (its default), and 400: the hub's proxy
# answers 400 to a path whose percent-escapes are not UTF-8, for every operation (the
# fuzz dictionary sends such paths), and no schema of text can exclude those bytes.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", "400"]
# Every user's iot101-sensors runs during the fuzz; stopping is fuzzed on a lab or user that
# does not run, always, so that it never stops the lab the checks are fuzzed on (the
# generator also draws ids from the schema's own words: "e.g. iot101-sensors").
RUNNING_LAB, IDLE_LAB = "iot101-sensors", "energy-basics"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(SENLAB_ADMIN_TOKEN=ADMIN_TOKEN) as running:
        yield running


def call(stack: Stack, method: str, path: str, token: str = ADMIN_TOKEN,
         headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{stack.url}{PROGRESS}{path}", timeout=120,
                         headers={"Authorization": f"token {token}", **(headers or {})},
                         **kwargs)


@pytest.fixture(scope="module")
def tokens(stack) -> dict[str, str]:
    """Each role's own hub token, made by the admin service as an operator would."""
    made = {"admin service": ADMIN_TOKEN}
    for role, user in ROLES.items():
        if user is not None:
            response = httpx.post(f"{stack.url}/hub/api/users/{user}/tokens",
                                  json={"note": f"fuzz as {role}"}, timeout=60,
                                  headers={"Authorization": f"token {ADMIN_TOKEN}"})
            response.raise_for_status()
            made[role] = response.json()["token"]
    return made


def wait_for_fleet(stack: Stack, timeout: float = 90) -> None:
    """The hub starts the fleet with the other services; it may answer a little later."""
    url = f"http://127.0.0.1:{stack.ports['FLEET_PORT']}/health"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


@pytest.fixture(scope="module")
def known(stack, tokens) -> dict[str, list[str]]:
    """Seed a certificate and a running lab; return the ids that exist, per kind."""
    answer = call(stack, "POST", "/api/events", json={"events": [
        events.course_completed("trainee1", "iot101", note="fuzz seed")]})
    assert answer.status_code == 200, answer.text
    progress = call(stack, "GET", "/api/trainees/trainee1/progress").json()
    codes = [c["certificate_code"] for c in progress["courses"] if c["certificate_code"]]
    assert codes, progress
    wait_for_fleet(stack)
    for role, user in ROLES.items():
        if user is not None:  # each user's own lab runs, to be checked
            lab = call(stack, "POST", f"/api/labs/{RUNNING_LAB}/start", tokens[role])
            assert lab.status_code == 200, lab.text
    cohort = demo_cohort()
    return {
        "trainees": [u.username for u in cohort.users if u.role == "trainee"],
        "courses": sorted(course.id for course in list_courses(REPO / "courses")),
        "enterprises": [enterprise.id for enterprise in cohort.enterprises[:3]],
        # in the registry, nobody enrolled: the ones an admin may remove
        "idle enterprises": sorted({e.id for e in cohort.enterprises}
                                   - {u.enterprise for u in cohort.users}),
        "codes": codes,
        "periods": ["2026H1", "2026"],
        "labs": [RUNNING_LAB],
        "idle labs": [IDLE_LAB],
        "lab users": [user for user in ROLES.values() if user is not None],
        "idle users": ["trainee3"],
        "devices": [d["id"] for d in lab.json()["devices"]],
        "checks": [check.id for check in load_labs(REPO / "labs")[RUNNING_LAB].checks],
    }


@pytest.fixture(scope="module")
def figures(request) -> Iterator[list[FuzzRun]]:
    runs: list[FuzzRun] = []
    started = time.monotonic()
    yield runs
    record(request.config,
           f"fuzz (seed fixed, {budget()} examples per operation and phase), "
           f"{time.monotonic() - started:.0f} s from the first run to the last:",
           *(f"  {run.summary()}" for run in runs))


def progress_target(known: dict[str, list[str]], token: str) -> Target:
    return Target(
        headers={"Authorization": f"token {token}"}, dictionaries=known,
        parameters={"name": "trainees", "course_id": "courses", "enterprise_id": "enterprises",
                    "check": "checks",
                    "code": "codes", "period": "periods", "lab": "labs"},
        checks={"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        operations=[
            # A batch whose events break the schema is still a batch: each bad event is
            # answered "rejected" with its reason in the 200, not refused with the batch.
            {"include-name": f"POST {PROGRESS}/api/events",
             "checks": {"negative_data_rejection": {"enabled": False}}},
            {"include-name": f"POST {PROGRESS}/api/labs/{{lab}}/stop",
             "parameters": {"path.lab": binding("idle labs", 1.0)}},
        ])


# The registry's routes, which only an admin may change, run on their own for the admin.
REGISTRY = "/api/registry"


@pytest.mark.parametrize("role", list(ROLES))
def test_the_progress_api_answers_every_generated_request_without_a_server_error(
        stack, tokens, known, figures, role, tmp_path):
    target = progress_target(known, tokens[role])
    if role == "admin service":
        target.arguments = ["--exclude-path-regex", REGISTRY]
    run = run_schemathesis(f"progress as {role}", f"{stack.url}{PROGRESS}/openapi.json",
                           tmp_path, target)
    figures.append(run)
    assert run.server_errors == 0 and not run.problems and run.exit_code == 0, run.explain()


def test_the_registry_answers_an_admins_generated_writes_without_a_server_error(
        stack, known, figures, tmp_path):
    """A registry upload is a file the schema can only call bytes, an enterprise names its
    park by id, and each enterprise nobody enrolled in can be removed once: most generated
    writes are refused with a 422 naming the row, field or park, or a 404, by design. So
    here those refusals are expected of schema-valid data and are not taken for a schema
    that is looser than the validation; any server error, and every other check, fails."""
    target = progress_target(known, ADMIN_TOKEN)
    # No links join these operations, so there is no stateful phase for them alone.
    target.arguments = ["--include-path-regex", REGISTRY,
                        "--phases", "examples,coverage,fuzzing"]
    target.fail_on = tuple(w for w in FAIL_ON
                           if w not in ("validation_mismatch", "missing_test_data"))
    target.checks["positive_data_acceptance"] = {"expected-statuses": [*ACCEPTED, "422"]}
    target.operations.append(
        {"include-name": f"DELETE {PROGRESS}{REGISTRY}/enterprises/{{enterprise_id}}",
         "parameters": {"path.enterprise_id": binding("idle enterprises", 1.0)}})
    run = run_schemathesis("registry as admin service", f"{stack.url}{PROGRESS}/openapi.json",
                           tmp_path, target)
    figures.append(run)
    assert run.requests > 0, run.explain()
    assert run.server_errors == 0 and not run.problems and run.exit_code == 0, run.explain()


def test_the_fleet_control_api_answers_every_generated_request_without_a_server_error(
        stack, known, figures, tmp_path):
    token = (stack.home / "secrets" / "fleet-control-token").read_text().strip()
    target = Target(
        headers={"Authorization": f"Bearer {token}"}, dictionaries=known,
        parameters={"trainee": "lab users", "lab": "labs", "device": "devices",
                    "check": "checks"},
        operations=[{"include-name": "POST /trainees/{trainee}/labs/{lab}/stop",
                     "parameters": {"path.trainee": binding("idle users", 1.0)}}])
    run = run_schemathesis(
        "fleet control API", f"http://127.0.0.1:{stack.ports['FLEET_PORT']}/openapi.json",
        tmp_path, target)
    figures.append(run)
    assert run.server_errors == 0 and not run.problems and run.exit_code == 0, run.explain()


# The three requests that answered 500 before, through the hub as a client sends them.

def test_an_offset_beyond_64_bits_is_refused_naming_the_parameter_and_its_bound(stack):
    response = call(stack, "GET", "/api/courses/iot101/progress",
                    params={"offset": "64530604048507936768", "limit": "382"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["query", "offset"]
    assert "less than or equal to 1000000000" in problem["msg"]


def test_an_events_body_that_is_not_utf8_is_refused_as_such(stack):
    response = call(stack, "POST", "/api/events", content=b"\xff X \xfe \x16",
                    headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body"] and problem["type"] == "body_not_utf8"
    assert "not UTF-8" in problem["msg"] and "0xFF at offset 0" in problem["msg"]


def test_a_path_whose_escapes_are_not_utf8_gets_a_400_from_the_proxy_naming_it(stack):
    response = call(stack, "GET", "/api/enterprises/%FF/progress")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert "%FF" in response.json()["detail"] and "not UTF-8" in response.json()["detail"]


def test_the_same_enterprise_route_still_answers_its_own_404(stack):
    response = call(stack, "GET", "/api/enterprises/0/progress")
    assert response.status_code == 404
    assert response.json() == {"detail": "no enterprise with id '0'"}
