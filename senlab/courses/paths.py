"""Where a course lives: its source in the repository, its nbgrader directory, the exchange."""

from __future__ import annotations

import re
from pathlib import Path

from senlab.courses.model import SLUG, CourseError
from senlab.settings import Settings


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
