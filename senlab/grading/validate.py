"""`validate_course`: is a course folder fit to publish?

It checks, in a scratch SenLab home so nothing real is touched:

1. `course.yaml` (the model in `senlab.courses`);
2. that nbgrader can generate and release every assignment;
3. that the solution version (the source notebooks) earns every point, hidden
   tests included, when autograded in the sandbox;
4. that the released (blank) version earns none;
5. for an assignment with a lab, the same against live emulated devices, and that the
   solution passes the lab checks the assignment lists while the blank passes none
   (`senlab.grading.live`).

Each problem names the file, the cell (nbgrader grade id) or the check, and the reason.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from senlab.courses import Assignment, Course, CourseError, course_root, load_course
from senlab.courses.labs import lab_problems
from senlab.grading.live import LiveOptions, validate_live
from senlab.grading.pool import grade_assignment
from senlab.grading.problems import Problem
from senlab.grading.publish import publish

if TYPE_CHECKING:
    from senlab.settings import Settings

SOLUTION, BLANK = "solution-check", "blank-check"
# (what is happening, steps done, steps in all; 0 in all when it cannot be counted)
ValidateProgress = Callable[[str, int, int], None]


def _quiet(step: str, done: int, total: int) -> None:
    """The progress callback when nobody watches."""


def validate_course(
    settings: Settings, folder: Path, *, workers: int | None = None,
    progress: ValidateProgress | None = None, live: LiveOptions | None = None,
) -> list[Problem]:  # fmt: skip
    """Every problem found in the course at `folder`; an empty list means it is fit.

    `progress(step, done, total)` hears what is being done; `live` sets the waits of
    the live phase.
    """
    folder = Path(folder).resolve()
    progress = progress or _quiet
    try:
        course = load_course(folder)
    except CourseError as error:
        return [Problem(error.file, error.where, error.reason)]
    problems = [Problem(str(folder / "course.yaml"), where, reason)
                for where, reason in lab_problems(course, settings.repo_root / "labs")]
    problems += [
        problem
        for assignment in course.assignments
        for path in sorted((folder / "source" / assignment.id).glob("*.ipynb"))
        for problem in lint_notebook(path, f"source/{assignment.id}/{path.name}")
    ]
    if problems:
        return problems
    with tempfile.TemporaryDirectory(prefix="senlab-validate-") as scratch:
        trial = settings.model_copy(update={"home": Path(scratch)})
        progress("generating and releasing with nbgrader", 0, 0)
        try:
            publish(trial, course.id, courses_dir=folder.parent)
        except CourseError as error:
            return [Problem(error.file, error.where, error.reason)]
        found: list[Problem] = []
        for assignment in course.assignments:
            progress(f"{assignment.id}: solution and blank in the sandbox", 0, 0)
            sandboxed = _check_assignment(trial, course, assignment.id, folder, workers)
            found += sandboxed
            if assignment.lab:
                found += _check_live(trial, course, assignment, progress, live, sandboxed)
        return found


def _check_live(
    settings: Settings, course: Course, assignment: Assignment, progress: ValidateProgress,
    options: LiveOptions | None, sandboxed: list[Problem],
) -> list[Problem]:  # fmt: skip

    root = course_root(settings, course.id)
    return validate_live(
        settings, root / "source" / assignment.id, root / "release" / assignment.id,
        assignment, options=options, progress=progress,
        reported={(p.file, p.cell) for p in sandboxed},
    )  # fmt: skip


def _check_assignment(
    settings: Settings, course: Course, assignment: str, folder: Path, workers: int | None
) -> list[Problem]:
    root = course_root(settings, course.id)
    for trainee, version in ((SOLUTION, "source"), (BLANK, "release")):
        target = root / "submitted" / trainee / assignment
        shutil.copytree(root / version / assignment, target)
        (target / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
    results = grade_assignment(
        settings, course.id, assignment, trainees=[SOLUTION, BLANK], workers=workers
    )
    problems = []
    for result in results:
        if not result.ok:
            problems.append(Problem(f"source/{assignment}", "(autograde)", result.error))
    solution, blank = results
    if solution.ok and solution.score < solution.max_score:
        problems += _cells(root, assignment, SOLUTION, failing=True)
    if blank.ok and blank.score > 0:
        problems += _cells(root, assignment, BLANK, failing=False)
    return problems


def _cells(root: Path, assignment: str, trainee: str, *, failing: bool) -> list[Problem]:
    """Grade cells that fail (in the solution) or pass (in the blank), as problems."""
    problems = []
    for path in sorted((root / "autograded" / trainee / assignment).glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        file = f"source/{assignment}/{path.name}"
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade") or meta.get("solution") or cell["cell_type"] != "code":
                continue
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if failing and errors:
                first = errors[0]
                reason = f"the solution fails: {first.get('ename')}: {first.get('evalue')}"
                problems.append(Problem(file, meta["grade_id"], reason))
            elif not failing and not errors:
                reason = "the blank notebook passes this test: it earns points for nothing"
                problems.append(Problem(file, meta["grade_id"], reason))
    return problems


MARKERS = (("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))


def lint_notebook(path: Path, label: str) -> list[Problem]:
    """Cell problems nbgrader would report without naming the cell."""
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 - any unreadable notebook is one problem
        return [Problem(label, "(file)", f"not a readable notebook: {error}")]
    problems, seen = [], set()
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        name = meta.get("grade_id") or f"cell {index + 1}"
        if name in seen:
            problems.append(Problem(label, name, "grade_id used by more than one cell"))
        seen.add(name)
        for begin, end in MARKERS:
            if (begin in cell.source) != (end in cell.source):
                problems.append(Problem(label, name, f"'{begin}' without '{end}' or the reverse"))
        if meta.get("grade") and not meta.get("points"):
            problems.append(Problem(label, name, "a graded cell with no points"))
    return problems
