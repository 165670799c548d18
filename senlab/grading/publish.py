"""Publishing a course: copy its source to nbgrader, generate and release each assignment.

Publishing copies `courses/<id>/source` into the course's working directory under
`SENLAB_HOME/courses/<id>/` (where nbgrader keeps its gradebook, submissions and
feedback), generates every assignment, releases it to the exchange, and announces the
course (with its completion rule) to the progress service. Content checks (that the
solution passes and the blank scores 0) live in `senlab.grading.validate`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from senlab.courses import (
    Course,
    CourseError,
    course_folder,
    course_root,
    exchange_root,
    load_course,
)
from senlab.courses.labs import completion_rule
from senlab.events import course_published
from senlab.grading.events import grader_spool
from senlab.grading.nbgrader_setup import nbgrader_api
from senlab.settings import Settings


def publish(settings: Settings, course_id: str, *, courses_dir: Path | None = None) -> Course:
    """Copy a course's source to its nbgrader directory, generate and release each assignment."""
    folder = Path(courses_dir) / course_id if courses_dir else course_folder(settings, course_id)
    course = load_course(folder)
    # The rule first: a listed check that its lab lacks stops publishing before nbgrader.
    rule = completion_rule(course, settings.repo_root / "labs", folder / "course.yaml")
    root = course_root(settings, course_id)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder / "source", root / "source", dirs_exist_ok=True)
    shutil.copy2(folder / "course.yaml", root / "course.yaml")
    exchange = exchange_root(settings)
    if not exchange.exists():
        exchange.mkdir(parents=True)
        exchange.chmod(0o1777)  # like /tmp: everyone submits, nobody deletes others' files
    api = nbgrader_api(settings, course_id)
    for assignment in course.assignments:
        _check_result(api.generate_assignment(assignment.id, force=True), course_id, assignment.id)
        api.unrelease(assignment.id)
        _check_result(api.release_assignment(assignment.id), course_id, assignment.id)
    grader_spool(settings).add([course_published(course, rule)])
    return course


def _check_result(result: dict, course_id: str, assignment_id: str) -> None:
    if result.get("success"):
        return
    text = f"{result.get('log') or ''}\n{result.get('error') or ''}"
    errors = [
        line.strip() for line in text.splitlines()
        if re.match(r"\s*[\w.]+(Error|Exception): ", line) and "NbGraderException" not in line
    ]  # fmt: skip
    reason = errors[-1] if errors else (text.strip().splitlines() or ["failed"])[-1]
    notebooks = re.findall(r"Converting notebook (\S+\.ipynb)", text)
    where = f"source/{assignment_id}"
    if notebooks:
        where += "/" + Path(notebooks[-1]).name
    raise CourseError(f"courses/{course_id}/{where}", "nbgrader", reason)
