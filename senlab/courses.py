"""Courses: the `course.yaml` model, loading, scaffolding and publishing.

A course is a folder `courses/<id>/` holding `course.yaml` and nbgrader's
`source/<assignment>/*.ipynb`. Publishing copies the source into the course's
working directory under `SENLAB_HOME/courses/<id>/` (where nbgrader keeps its
gradebook, submissions and feedback), generates every assignment and releases
it to the exchange. Content checks (that the solution passes and the blank
scores 0) live in `senlab.grading.validate`.
"""

from __future__ import annotations

import re
import shutil
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:
    from senlab.settings import Settings

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


class Completion(Strict):
    required: list[CourseId] | None = Field(
        None, description="Assignments that must be passed; all of them if unset."
    )
    min_average: float = Field(0, ge=0, le=100, description="Least average percent.")


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

    def passes(self, assignment_id: str, percent: float) -> bool:
        mark = self.assignment(assignment_id).pass_mark
        return percent >= (self.pass_mark if mark is None else mark)

    def completed(self, percents: dict[str, float]) -> bool:
        """Whether the best percent per assignment meets the completion criteria."""
        required = self.completion.required or [a.id for a in self.assignments]
        if not all(self.passes(a, percents.get(a, 0.0)) for a in required):
            return False
        average = sum(percents.get(a.id, 0.0) for a in self.assignments) / len(self.assignments)
        return average >= self.completion.min_average


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


def _first_error(error: ValidationError) -> tuple[str, str]:
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
        raise CourseError(path, *_first_error(error)) from None
    if course.id != path.parent.name:
        raise CourseError(path, "id", f"{course.id!r} differs from its folder {path.parent.name!r}")
    for assignment in course.assignments:
        if not (path.parent / "source" / assignment.id).is_dir():
            raise CourseError(
                path, f"assignments.{assignment.id}", f"no folder source/{assignment.id}/"
            )
    return course


def list_courses(courses_dir: Path) -> list[Course]:
    """Every course under `courses_dir`, sorted by id; the first bad one raises."""
    folders = sorted(p.parent for p in Path(courses_dir).glob("*/course.yaml"))
    return [load_course(folder) for folder in folders]


def course_folder(settings: Settings, course_id: str) -> Path:
    """The course's content folder in the repository."""
    if not re.match(SLUG, course_id):
        raise CourseError(course_id, "id", f"not a course id (pattern {SLUG})")
    return settings.repo_root / "courses" / course_id


def course_root(settings: Settings, course_id: str) -> Path:
    """The course's nbgrader directory: source copy, gradebook, submissions, feedback."""
    return settings.home / "courses" / course_id


def exchange_root(settings: Settings) -> Path:
    """The nbgrader exchange shared by every course."""
    return settings.home / "exchange"


def publish(settings: Settings, course_id: str, *, courses_dir: Path | None = None) -> Course:
    """Copy a course's source to its nbgrader directory, generate and release each assignment."""
    from senlab.grading.nbgrader_setup import nbgrader_api

    folder = Path(courses_dir) / course_id if courses_dir else course_folder(settings, course_id)
    course = load_course(folder)
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
    _announce(settings, course)
    return course


def lab_checks(settings: Settings, course: Course) -> dict[str, list[str]]:
    """The check ids of each lab the course's assignments use (labs/<lab>/lab.yaml)."""
    from lab_devices.labs.labfile import load_lab

    checks = {}
    for lab in sorted({a.lab for a in course.assignments if a.lab}):
        path = settings.repo_root / "labs" / lab / "lab.yaml"
        checks[lab] = [check.id for check in load_lab(path).checks] if path.is_file() else []
    return checks


def _announce(settings: Settings, course: Course) -> None:
    """Queue `course.published` in the grader's outbox; the autograder posts it."""
    from senlab.grading.events import Outbox, course_published_event, grader_outbox

    event = course_published_event(course, lab_checks(settings, course))
    Outbox(grader_outbox(settings)).add([event])


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


def validate_course(settings: Settings, folder: Path, *, workers: int | None = None) -> list:
    """Problems (file, cell, reason) with the course at `folder`; see senlab.grading.validate."""
    from senlab.grading.validate import validate_course as validate

    return validate(settings, folder, workers=workers)


def new_course(
    courses_dir: Path, course_id: str, *, title_en: str, title_vi: str, area: str = "iot",
    level: str = "beginner", hours: float = 8, assignment: str = "assignment-1",
) -> Path:  # fmt: skip
    """Scaffold `courses_dir/<course_id>/`: a course.yaml and one gradable assignment."""
    from senlab.grading.scaffold import starter_notebook

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
        raise CourseError(folder / "course.yaml", *_first_error(error)) from None
    source = folder / "source" / assignment
    source.mkdir(parents=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    starter_notebook(source / f"{assignment}.ipynb")
    return folder
