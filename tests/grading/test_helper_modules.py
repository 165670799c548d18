"""An assignment whose tests use a helper module shipped with it: a submission that
patches the helper earns nothing, an honest one earns every point."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from senlab.courses import course_root
from senlab.courses.scaffold import new_course
from senlab.grading.pool import grade_assignment
from senlab.grading.publish import publish
from senlab.settings import Settings

pytestmark = pytest.mark.integration

COURSE, ASSIGNMENT = "ops101", "assignment-1"
HELPER = "def close_enough(value, expected):\n    return abs(value - expected) < 1e-9\n"
TESTS = (
    "from reading_checks import close_enough\nassert type(answer) is float\n"
    "### BEGIN HIDDEN TESTS\nassert close_enough(answer, 7.0)\n### END HIDDEN TESTS"
)
PATCH = (
    "import reading_checks\nreading_checks.close_enough = lambda value, expected: True\n"
    "answer = 1.0"
)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("helper-course")
    folder = new_course(base / "courses", COURSE, title_en="Ops", title_vi="Vận hành",
                        area="operations")
    source = folder / "source" / ASSIGNMENT
    (source / "reading_checks.py").write_text(HELPER)
    notebook_path = source / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata["nbgrader"]["grade_id"] == "q1-tests":
            cell.source = TESTS
    nbformat.write(notebook, notebook_path)
    settings = Settings(home=base / "home", grading_cell_timeout=10)
    publish(settings, COURSE, courses_dir=base / "courses")
    return settings


def _submit(settings: Settings, trainee: str, answer: str) -> None:
    root = course_root(settings, COURSE)
    folder = root / "submitted" / trainee / ASSIGNMENT
    shutil.copytree(root / "release" / ASSIGNMENT, folder)
    path = folder / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata["nbgrader"]["grade_id"] == "q1-answer":
            cell.source = answer
    nbformat.write(notebook, path)
    (folder / "timestamp.txt").write_text("2026-03-02 09:00:00.000000 UTC")


def test_patching_the_helper_earns_nothing_and_the_honest_answer_everything(
    course: Settings,
) -> None:
    _submit(course, "patcher", PATCH)
    _submit(course, "honest", "answer = sum(readings)")

    results = {r.trainee: r for r in grade_assignment(
        course, COURSE, ASSIGNMENT, trainees=["patcher", "honest"], workers=2)}

    assert results["patcher"].ok and results["honest"].ok
    assert results["patcher"].score == 0
    assert results["honest"].score == results["honest"].max_score == 1


def test_the_helper_reaches_the_kernel_as_the_instructor_wrote_it(course: Settings) -> None:
    # A submitted file of the same name is replaced by the source's copy before grading.
    root = course_root(course, COURSE)
    _submit(course, "ships-helper", "answer = 1.0")
    forged = "def close_enough(value, expected):\n    return True\n"
    (root / "submitted" / "ships-helper" / ASSIGNMENT / "reading_checks.py").write_text(forged)

    [result] = grade_assignment(course, COURSE, ASSIGNMENT, trainees=["ships-helper"], workers=1)

    assert result.ok and result.score == 0
    graded = root / "autograded" / "ships-helper" / ASSIGNMENT / "reading_checks.py"
    assert Path(graded).read_text() == HELPER
