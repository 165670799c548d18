"""Autograde one submission with nbgrader, its notebooks executed in the sandbox."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from senlab.grading.nbgrader_setup import nbgrader_api

if TYPE_CHECKING:
    from senlab.grading.sandbox import SandboxPolicy
    from senlab.settings import Settings


@dataclass(frozen=True)
class GradeResult:
    """One submission's autograde: its score, or why it could not be graded."""

    course: str
    assignment: str
    trainee: str
    score: float
    max_score: float
    ok: bool
    seconds: float
    error: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def grade_submission(
    settings: Settings,
    course_id: str,
    assignment_id: str,
    trainee: str,
    policy: SandboxPolicy,
    *,
    feedback: bool = False,
) -> GradeResult:
    """Autograde `trainee`'s collected submission; optionally generate and release feedback."""
    started = time.perf_counter()
    api = nbgrader_api(settings, course_id, policy=policy)
    result = api.autograde(assignment_id, trainee, force=True, create=True)
    if result.get("success") and feedback:
        result = api.generate_feedback(assignment_id, trainee)
        if result.get("success"):
            result = api.release_feedback(assignment_id, trainee)
    seconds = time.perf_counter() - started
    if not result.get("success"):
        return GradeResult(
            course_id, assignment_id, trainee, 0.0, 0.0, False, seconds, _reason(result)
        )
    score, max_score = submission_score(api, assignment_id, trainee)
    return GradeResult(course_id, assignment_id, trainee, score, max_score, True, seconds)


def submission_score(api, assignment_id: str, trainee: str) -> tuple[float, float]:  # noqa: ANN001
    """The submission's total score and maximum, from the gradebook."""
    with api.gradebook as gradebook:
        submission = gradebook.find_submission(assignment_id, trainee)
        return float(submission.score), float(submission.max_score)


def _reason(result: dict) -> str:
    text = (result.get("error") or result.get("log") or "autograde failed").strip()
    errors = [line for line in text.splitlines() if "ERROR" in line or "Error" in line]
    return (errors[-1] if errors else text.splitlines()[-1])[:500]
