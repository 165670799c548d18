"""The autograder service on a real exchange: trainees fetch and submit with
nbgrader's exchange, the service collects, grades, releases feedback, and posts
the grades to a stand-in that reads them with the progress service's own parser
and answers per event as it does."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit

from senlab.courses import course_root, exchange_root
from senlab.grading.nbgrader_setup import course_config, nbgrader_api
from senlab.grading.publish import publish
from senlab.grading.service import Autograder
from tests.progress.stand_in import Posted, progress_stand_in

pytestmark = pytest.mark.integration

COURSE, ASSIGNMENT = "iot101", "mqtt-telemetry"


@pytest.fixture()
def posted():  # noqa: ANN201
    """What the grader posted to a stand-in that reads it with the service's own parser."""
    with progress_stand_in() as (_, posted):
        yield posted
    assert posted.rejected == []  # every event the grader posted fits the service's schema


@pytest.fixture()
def progress_server(posted):  # noqa: ANN001, ANN201
    return posted.url


def _fetch_and_submit(settings, trainee: str, home, answers: dict[str, str]) -> None:  # noqa: ANN001
    config = course_config(settings, COURSE)
    config.CourseDirectory.student_id = trainee
    config.CourseDirectory.assignment_id = ASSIGNMENT
    config.Exchange.assignment_dir = str(home)
    coursedir = CourseDirectory(config=config)
    authenticator = Authenticator(config=config)
    ExchangeFetchAssignment(coursedir=coursedir, authenticator=authenticator, config=config).start()
    path = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    nbformat.write(notebook, path)
    ExchangeSubmit(coursedir=coursedir, authenticator=authenticator, config=config).start()


def _grades(posted: Posted) -> dict[str, float]:
    return {e["data"]["trainee"]: e["data"]["score"]
            for e in posted.sent if e["type"] == "grade.recorded"}


@pytest.fixture(scope="module")
def submitted(grading_settings, solution_answers, tmp_path_factory):  # noqa: ANN001, ANN201
    """trainee1 submits a right solution and trainee2 a wrong one, through the exchange."""
    homes = tmp_path_factory.mktemp("trainees")
    right = dict(solution_answers)
    wrong = {**solution_answers, "q3-answer": "humid_alarms = {'air-1': 0, 'air-2': 0}"}
    _fetch_and_submit(grading_settings, "trainee1", homes / "trainee1", right)
    _fetch_and_submit(grading_settings, "trainee2", homes / "trainee2", wrong)
    return grading_settings


def test_submissions_are_graded_released_and_posted_without_a_command(
    grading_settings, submitted, progress_server, posted  # noqa: ANN001
) -> None:
    grader = Autograder(grading_settings, url=progress_server, token="grader-secret")

    results = {r.trainee: (r.score, r.max_score) for r in grader.run_once()}

    assert results == {"trainee1": (6.0, 6.0), "trainee2": (4.0, 6.0)}
    assert _grades(posted) == {"trainee1": 6.0, "trainee2": 4.0}
    assert set(posted.tokens) == {"token grader-secret"}
    feedback = exchange_root(grading_settings) / COURSE / "feedback"
    assert len(list(feedback.glob("*.html"))) == 2  # released, named by submission hash


def test_a_second_pass_grades_and_posts_nothing_new(
    grading_settings, submitted, progress_server, posted  # noqa: ANN001
) -> None:
    grader = Autograder(grading_settings, url=progress_server, token="grader-secret")
    grader.run_once()
    posted.clear()

    assert grader.run_once() == []
    assert posted.bodies == []


def test_a_manual_grade_given_in_formgrader_is_posted(
    grading_settings, submitted, progress_server, posted  # noqa: ANN001
) -> None:
    grader = Autograder(grading_settings, url=progress_server, token="grader-secret")
    grader.run_once()
    posted.clear()
    with nbgrader_api(grading_settings, COURSE).gradebook as gradebook:
        grade = gradebook.find_grade("q3-tests", ASSIGNMENT, ASSIGNMENT, "trainee2")
        grade.manual_score = 1.0
        gradebook.db.commit()

    grader.run_once()

    assert _grades(posted) == {"trainee2": 5.0}


def test_grades_wait_in_the_spool_while_the_progress_service_is_down(
    grading_settings, submitted, progress_server, posted  # noqa: ANN001
) -> None:
    root = course_root(grading_settings, COURSE)
    Autograder(grading_settings, url=progress_server, token="t").run_once()
    (root.parent.parent / "grading" / "posted.json").unlink()
    down = Autograder(grading_settings, url="http://127.0.0.1:9/nothing", token="t")
    down.run_once()
    assert {e["data"]["trainee"] for e in down.spool.pending()} >= {"trainee1", "trainee2"}
    posted.clear()

    Autograder(grading_settings, url=progress_server, token="t").run_once()

    assert set(_grades(posted)) >= {"trainee1", "trainee2"}
    assert down.spool.pending() == []


def test_publishing_announces_the_course_with_its_completion_rule(
    grading_settings, submitted, progress_server, posted  # noqa: ANN001
) -> None:
    publish(grading_settings, COURSE)
    Autograder(grading_settings, url=progress_server, token="t").run_once()

    published = [e for e in posted.sent if e["type"] == "course.published"]
    assert [e["data"]["course"] for e in published] == [COURSE]
    rule = published[0]["data"]["rule"]
    # Only the two checks iot101's assignment lists, titled as in lab.yaml; not all five.
    assert [(c["lab"], c["check"]) for c in rule["checks"]] == [
        ("iot101-sensors", "ping-station"), ("iot101-sensors", "slow-down-air")]
    assert rule["checks"][0]["title"]["en"] == "Send a ping to the air station and get its reply"
    assert (rule["pass_marks"], rule["required"], rule["min_average"]) == (
        {ASSIGNMENT: 60}, [ASSIGNMENT], 60)


def test_a_submission_in_another_trainees_name_is_set_aside(
    grading_settings, submitted, progress_server, posted  # noqa: ANN001
) -> None:
    import os

    inbound = exchange_root(grading_settings) / COURSE / "inbound"
    forged = inbound / f"trainee1+{ASSIGNMENT}+2026-11-25 09:00:00.000000 UTC+forged"
    forged.mkdir()
    (forged / f"{ASSIGNMENT}.ipynb").write_text("{}")
    os.chown(forged, 61990, 61990)  # an account that is not trainee1's
    grader = Autograder(grading_settings, url=progress_server, token="t")

    grader.run_once()

    assert not forged.exists()
    assert (grading_settings.home / "grading" / "rejected" / COURSE / forged.name).is_dir()
