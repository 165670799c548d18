"""Courses: the `course.yaml` model, the completion rule, where courses live, new courses.

This package is the bottom of SenLab's course layers: it imports none of grading, the
hub, the progress service or the commands, and they all ask it. Its modules:

| module | what |
| --- | --- |
| `model` | `Course`, `Assignment`, `Completion`: course.yaml, loaded and checked |
| `completion` | `CompletionRule`: the one rule that decides who completed a course |
| `labs` | the assignments' labs: listed checks and their titles, from lab.yaml (1) |
| `paths` | a course's source folder, nbgrader directory, the exchange |
| `scaffold` | `senlab course new`: a course.yaml and a starter notebook |

(1) Imported on its own, not here: reading lab files loads every device model.

Publishing (nbgrader generate and release, the `course.published` event) is
`senlab.grading.publish`; content checks are `senlab.grading.validate`.
"""

from senlab.courses.completion import (
    CompletionRule,
    Graded,
    ListedCheck,
    Standing,
    graded,
    rule_of,
)
from senlab.courses.model import (
    Assignment,
    BilingualText,
    Completion,
    Course,
    CourseError,
    list_courses,
    load_course,
)
from senlab.courses.paths import course_folder, course_root, exchange_root

__all__ = [
    "Assignment", "BilingualText", "Completion", "CompletionRule", "Course", "CourseError",
    "Graded", "ListedCheck", "Standing", "course_folder", "course_root", "exchange_root",
    "graded", "list_courses", "load_course", "rule_of",
]
