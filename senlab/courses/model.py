"""The `course.yaml` model and its loading: what a course is, checked field by field.

A course is a folder `courses/<id>/` holding `course.yaml` and nbgrader's
`source/<assignment>/*.ipynb`. A bad file is refused with a CourseError that names the
file, the field and the reason.

Hints: a lab check may carry a hint (its lab.yaml); taking one costs `hint_cost` points
of the assignment that lists the check: the assignment's own, else the course's, default
0 (hints are free). A cost is at least 0 and at most the assignment's points (the sum of
the points of its notebooks' graded and task cells, as nbgrader counts them), so that one
hint cannot cost more than the whole assignment is worth.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SLUG = r"^[a-z0-9][a-z0-9-]{1,39}$"
CHECK_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"  # as lab_devices.labs.labfile.NAME
CourseId = Annotated[str, Field(pattern=SLUG)]


class CourseError(ValueError):
    """A course that cannot be used, with the file, the place in it and the reason."""

    def __init__(self, file: Path | str, where: str, reason: str) -> None:
        self.file, self.where, self.reason = str(file), where, reason
        super().__init__(f"{self.file}: {where}: {reason}")


class Area(StrEnum):
    iot = "iot"
    five_g = "5g"
    security = "security"
    operations = "operations"


class Level(StrEnum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BilingualText(Strict):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Assignment(Strict):
    id: CourseId
    title: BilingualText
    lab: str | None = Field(None, pattern=SLUG, description="The lab (labs/<lab>/) it uses.")
    pass_mark: float | None = Field(
        None, ge=0, le=100, description="Percent needed to pass; the course's if unset."
    )
    checks: list[Annotated[str, Field(pattern=CHECK_ID)]] = Field(
        [], description="Checks of its lab (labs/<lab>/lab.yaml) that the solution must pass."
    )
    hint_cost: float | None = Field(
        None, ge=0, description="Points a hint on one of its listed checks costs; the "
        "course's if unset.")


class Completion(Strict):
    required: list[CourseId] | None = Field(
        None, min_length=1, description="Assignments that must be passed; all of them if unset."
    )
    min_average: float = Field(
        0, ge=0, le=100, description="Least mean percent over all the course's assignments."
    )


class Course(Strict):
    id: CourseId
    title: BilingualText
    area: Area
    level: Level
    hours: float = Field(gt=0, le=1000)
    prerequisites: list[CourseId] = []
    competencies: list[str] = Field(min_length=1)
    instructors: list[str] = []
    assignments: list[Assignment] = Field(min_length=1)
    pass_mark: float = Field(ge=0, le=100, description="Percent needed to pass an assignment.")
    completion: Completion = Completion()
    hint_cost: float = Field(
        0, ge=0, description="Points a hint on a listed check costs (default 0: free).")

    @model_validator(mode="after")
    def _consistent(self) -> Course:
        ids = [a.id for a in self.assignments]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"assignments: duplicate id(s) {', '.join(duplicates)}")
        unknown = sorted(set(self.completion.required or []) - set(ids))
        if unknown:
            raise ValueError(f"completion.required: unknown assignment(s) {', '.join(unknown)}")
        if self.id in self.prerequisites:
            raise ValueError("prerequisites: a course cannot require itself")
        for assignment in self.assignments:
            _check_list(assignment)
        return self

    def assignment(self, assignment_id: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                return assignment
        raise KeyError(f"course {self.id} has no assignment {assignment_id!r}")

    def pass_mark_of(self, assignment_id: str) -> float:
        """The percent that passes the assignment: its own `pass_mark`, else the course's."""
        mark = self.assignment(assignment_id).pass_mark
        return self.pass_mark if mark is None else mark

    def hint_cost_of(self, assignment_id: str) -> float:
        """The points one hint costs in the assignment: its own `hint_cost`, else the
        course's."""
        cost = self.assignment(assignment_id).hint_cost
        return self.hint_cost if cost is None else cost


def assignment_points(folder: Path) -> float:
    """The points of an assignment's notebooks (`folder` = source/<assignment>/): the
    nbgrader `points` of every cell marked `grade` or `task`."""
    total = 0.0
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue  # an unreadable notebook is the content check's to report
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") or meta.get("task"):
                points = meta.get("points")
                if isinstance(points, int | float) and not isinstance(points, bool):
                    total += float(points)
    return total


def _check_list(assignment: Assignment) -> None:
    """An assignment's checks need its lab, and each is listed once."""
    where = f"assignments.{assignment.id}.checks"
    if assignment.checks and not assignment.lab:
        raise ValueError(f"{where}: checks belong to a lab, and this assignment has none")
    repeated = sorted({c for c in assignment.checks if assignment.checks.count(c) > 1})
    if repeated:
        raise ValueError(f"{where}: listed more than once: {', '.join(repeated)}")


def _field_path(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def first_error(error: ValidationError) -> tuple[str, str]:
    """(field, reason) of the first error; cross-field checks say their field first."""
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    if not first["loc"] and ": " in message:
        field, reason = message.split(": ", 1)
        return field, reason
    return _field_path(first["loc"]), message


def load_course(folder: Path) -> Course:
    """Read and check `folder/course.yaml`; raise CourseError naming file, field and reason."""
    path = Path(folder) / "course.yaml"
    if not path.is_file():
        raise CourseError(path, "(file)", "missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        reason = f"not valid YAML: {getattr(error, 'problem', error)}"
        raise CourseError(path, where, reason) from None
    if not isinstance(data, dict):
        raise CourseError(path, "(top level)", "must be a mapping of fields")
    try:
        course = Course.model_validate(data)
    except ValidationError as error:
        raise CourseError(path, *first_error(error)) from None
    if course.id != path.parent.name:
        raise CourseError(path, "id", f"{course.id!r} differs from its folder {path.parent.name!r}")
    for assignment in course.assignments:
        if not (path.parent / "source" / assignment.id).is_dir():
            raise CourseError(
                path, f"assignments.{assignment.id}", f"no folder source/{assignment.id}/"
            )
        cost = course.hint_cost_of(assignment.id)
        if cost > 0:
            points = assignment_points(path.parent / "source" / assignment.id)
            if cost > points:
                where = ("hint_cost" if assignment.hint_cost is None
                         else f"assignments.{assignment.id}.hint_cost")
                raise CourseError(path, where, f"a hint costs {cost:g} points, more than "
                                  f"assignment {assignment.id} is worth ({points:g} points)")
    return course


def list_courses(courses_dir: Path) -> list[Course]:
    """Every course under `courses_dir`, sorted by id; the first bad one raises."""
    folders = sorted(p.parent for p in Path(courses_dir).glob("*/course.yaml"))
    return [load_course(folder) for folder in folders]
