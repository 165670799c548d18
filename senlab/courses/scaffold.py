"""`senlab course new`: a course.yaml and a starter notebook with visible and hidden tests."""

from __future__ import annotations

from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pydantic import ValidationError

from senlab.courses.model import Course, CourseError, first_error


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, points: float = 0) -> dict:
    nbgrader = {
        "grade": grade, "solution": solution, "locked": not solution,
        "grade_id": grade_id, "schema_version": 3,
    }  # fmt: skip
    if grade:
        nbgrader["points"] = points
    return {"nbgrader": nbgrader}


def starter_notebook(path: Path) -> None:
    """Write a gradable nbgrader source notebook to `path`."""
    cells = [
        new_markdown_cell(
            "# Bài tập / Assignment\n\nGán cho `answer` tổng các số đo.\n\n"
            "Set `answer` to the sum of the readings.",
            metadata=_meta("intro"),
        ),
        new_code_cell("readings = [1.5, 2.5, 3.0]", metadata=_meta("data")),
        new_code_cell(
            "### BEGIN SOLUTION\nanswer = sum(readings)\n### END SOLUTION",
            metadata=_meta("q1-answer", solution=True),
        ),
        new_code_cell(
            "assert type(answer) is float\n"
            "### BEGIN HIDDEN TESTS\nassert answer == 7.0\n### END HIDDEN TESTS",
            metadata=_meta("q1-tests", grade=True, points=1),
        ),
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), path)


def new_course(
    courses_dir: Path, course_id: str, *, title_en: str, title_vi: str, area: str = "iot",
    level: str = "beginner", hours: float = 8, assignment: str = "assignment-1",
) -> Path:  # fmt: skip
    """Scaffold `courses_dir/<course_id>/`: a course.yaml and one gradable assignment."""
    folder = Path(courses_dir) / course_id
    if folder.exists():
        raise CourseError(folder, "id", "a course folder of that id already exists")
    data = {
        "id": course_id, "title": {"vi": title_vi, "en": title_en}, "area": area,
        "level": level, "hours": hours, "prerequisites": [],
        "competencies": ["(what a trainee can do after this course)"], "instructors": [],
        "assignments": [{"id": assignment, "title": {"vi": title_vi, "en": title_en}, "lab": None}],
        "pass_mark": 60, "completion": {"min_average": 60},
    }  # fmt: skip
    try:
        Course.model_validate(data)
    except ValidationError as error:
        raise CourseError(folder / "course.yaml", *first_error(error)) from None
    source = folder / "source" / assignment
    source.mkdir(parents=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    starter_notebook(source / f"{assignment}.ipynb")
    return folder
