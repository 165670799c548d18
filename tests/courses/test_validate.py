"""validate_course on real nbgrader: the demo course is fit; broken content is named
by file, cell and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from senlab.courses.scaffold import new_course
from senlab.grading.validate import validate_course
from senlab.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.integration


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", grading_cell_timeout=10)


def _edit_cell(notebook_path: Path, grade_id: str, source: str) -> None:
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    nbformat.write(notebook, notebook_path)


def test_the_demo_course_passes_every_check(settings: Settings) -> None:
    assert validate_course(settings, REPO_ROOT / "courses" / "iot101") == []


def test_a_scaffolded_course_passes_every_check(settings: Settings, tmp_path: Path) -> None:
    folder = new_course(tmp_path / "courses", "ops101", title_en="Ops", title_vi="Vận hành",
                        area="operations")
    assert validate_course(settings, folder) == []


def test_a_wrong_solution_and_a_test_the_blank_passes_are_named(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    notebook = folder / "source" / "mqtt-telemetry" / "mqtt-telemetry.ipynb"
    _edit_cell(notebook, "q2-tests", "assert air1_mean_c == 99.0, 'expected 99'")
    _edit_cell(notebook, "q3-tests", "assert True")

    problems = {(p.file, p.cell): p.reason for p in validate_course(settings, folder)}

    file = "source/mqtt-telemetry/mqtt-telemetry.ipynb"
    assert set(problems) == {(file, "q2-tests"), (file, "q3-tests")}
    assert problems[(file, "q2-tests")] == "the solution fails: AssertionError: expected 99"
    assert "blank notebook passes" in problems[(file, "q3-tests")]


def test_bad_metadata_stops_before_nbgrader_runs(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    text = (folder / "course.yaml").read_text().replace("level: beginner", "level: guru")
    (folder / "course.yaml").write_text(text)

    [problem] = validate_course(settings, folder)

    assert (problem.file, problem.cell) == (str(folder / "course.yaml"), "level")


def test_a_notebook_nbgrader_cannot_generate_is_named(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    notebook = folder / "source" / "mqtt-telemetry" / "mqtt-telemetry.ipynb"
    _edit_cell(notebook, "q1-answer", "### BEGIN SOLUTION\nair1_temperatures = []")

    [problem] = validate_course(settings, folder)

    file = "source/mqtt-telemetry/mqtt-telemetry.ipynb"
    assert (problem.file, problem.cell) == (file, "q1-answer")
    assert "'BEGIN SOLUTION' without 'END SOLUTION'" in problem.reason


def test_an_error_only_nbgrader_finds_names_the_notebook(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    notebook = folder / "source" / "mqtt-telemetry" / "mqtt-telemetry.ipynb"
    data = nbformat.read(notebook, as_version=4)
    data.cells[1].metadata["nbgrader"]["schema_version"] = 1  # from an old nbgrader
    nbformat.write(data, notebook)

    [problem] = validate_course(settings, folder)

    assert problem.file.endswith("source/mqtt-telemetry/mqtt-telemetry.ipynb")
    assert problem.reason


def test_an_assignment_whose_lab_does_not_exist_is_named(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    text = (folder / "course.yaml").read_text().replace("lab: iot101-sensors", "lab: no-such-lab")
    (folder / "course.yaml").write_text(text)

    [problem] = validate_course(settings, folder)

    assert problem.cell == "assignments.mqtt-telemetry.lab"
    assert problem.reason == "no labs/no-such-lab/lab.yaml"
