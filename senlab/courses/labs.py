"""The labs a course's assignments use, read from `labs/<lab>/lab.yaml`.

An assignment's lab must exist and be valid, and every check it lists under `checks:` must
be one of that lab's; the titles of the listed checks go into the course's completion rule.
"""

from __future__ import annotations

from pathlib import Path

from lab_devices.labs.labfile import LabFileError, LabSpec, load_lab
from senlab.courses.completion import CompletionRule, rule_of
from senlab.courses.model import Assignment, BilingualText, Course, CourseError

Problem = tuple[str, str]  # (field of course.yaml, reason)


def _lab(labs_dir: Path, assignment: Assignment) -> tuple[LabSpec | None, list[Problem]]:
    where = f"assignments.{assignment.id}.lab"
    path = Path(labs_dir) / str(assignment.lab) / "lab.yaml"
    if not path.is_file():
        return None, [(where, f"no labs/{assignment.lab}/lab.yaml")]
    try:
        return load_lab(path), []
    except LabFileError as error:
        return None, [(where, f"its lab file is not valid: {error}")]


def _unknown_checks(assignment: Assignment, lab: LabSpec) -> list[Problem]:
    known = [check.id for check in lab.checks]
    return [(f"assignments.{assignment.id}.checks", f"unknown check {check!r}: "
             f"labs/{assignment.lab}/lab.yaml has {', '.join(known) or 'no checks'}")
            for check in assignment.checks if check not in known]


def lab_problems(course: Course, labs_dir: Path) -> list[Problem]:
    """Every assignment's lab that is missing or invalid, and every listed check it lacks."""
    problems: list[Problem] = []
    for assignment in course.assignments:
        if assignment.lab:
            lab, found = _lab(labs_dir, assignment)
            problems += found if lab is None else _unknown_checks(assignment, lab)
    return problems


def listed_check_titles(course: Course, labs_dir: Path, course_yaml: Path | str
                        ) -> dict[tuple[str, str], BilingualText]:
    """Each listed (lab, check)'s title; CourseError on `course_yaml`'s first bad field."""
    titles: dict[tuple[str, str], BilingualText] = {}
    for assignment in course.assignments:
        if not assignment.checks:
            continue
        lab, problems = _lab(labs_dir, assignment)
        if lab is not None:
            problems = _unknown_checks(assignment, lab)
        if lab is None or problems:
            raise CourseError(course_yaml, *problems[0])
        titles.update({(lab.id, c.id): BilingualText(vi=c.title.vi, en=c.title.en)
                       for c in lab.checks if c.id in assignment.checks})
    return titles


def completion_rule(course: Course, labs_dir: Path, course_yaml: Path | str) -> CompletionRule:
    """The course's completion rule, its listed checks titled from their lab.yaml."""
    return rule_of(course, listed_check_titles(course, labs_dir, course_yaml))

