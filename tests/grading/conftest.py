"""Fixtures for grading tests: the iot101 course published in a temporary home, and
submissions built from its released notebook with chosen answers."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from senlab.courses import course_root
from senlab.grading.publish import publish
from senlab.settings import REPO_ROOT, Settings

COURSE = "iot101"
ASSIGNMENT = "mqtt-telemetry"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def solutions() -> dict[str, str]:
    """The source notebook's answer cells, without the solution markers."""
    source = REPO_ROOT / "courses" / COURSE / "source" / ASSIGNMENT / NOTEBOOK
    notebook = nbformat.read(source, as_version=4)
    answers = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            marker = r"^\s*### (BEGIN|END) SOLUTION\n?"
            answers[meta["grade_id"]] = re.sub(marker, "", cell.source, flags=re.M)
    return answers


@pytest.fixture(scope="module")
def grading_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("senlab-home")
    settings = Settings(home=home, grading_cell_timeout=5, grading_workers=2)
    publish(settings, COURSE)
    return settings


def submit(
    settings: Settings,
    trainee: str,
    answers: dict[str, str] | None = None,
    *,
    edit=None,  # noqa: ANN001 - callable(notebook) for tampering with cells
    blank: bool = False,
) -> Path:
    """Place `trainee`'s submission in the course's submitted/ folder, as collect would."""
    root = course_root(settings, COURSE)
    notebook = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    chosen = {} if blank else {**solutions(), **(answers or {})}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in chosen:
            cell.source = chosen[grade_id]
    if edit is not None:
        edit(notebook)
    folder = root / "submitted" / trainee / ASSIGNMENT
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / NOTEBOOK)
    (folder / "timestamp.txt").write_text("2026-03-02 09:00:00.000000 UTC")
    return folder


def autograded_test_outputs(settings: Settings, trainee: str) -> dict[str, list[dict]]:
    """Each test cell's outputs in the trainee's autograded notebook."""
    path = course_root(settings, COURSE) / "autograded" / trainee / ASSIGNMENT / NOTEBOOK
    notebook = json.loads(path.read_text())
    return {
        cell["metadata"]["nbgrader"]["grade_id"]: cell.get("outputs", [])
        for cell in notebook["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade")
    }


@pytest.fixture(scope="session")
def solution_answers() -> dict[str, str]:
    return solutions()


@pytest.fixture(scope="session")
def submit_as():  # noqa: ANN201
    """`submit_as(settings, trainee, answers=None, *, edit=None, blank=False)`."""
    return submit


@pytest.fixture(scope="session")
def autograded_outputs():  # noqa: ANN201
    """`autograded_outputs(settings, trainee)`: each test cell's outputs."""
    return autograded_test_outputs
