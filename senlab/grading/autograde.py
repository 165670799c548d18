"""Autograde one submission with nbgrader, its notebooks executed in the sandbox."""

from __future__ import annotations

import re
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
    if not result.get("success"):
        # Once more before giving up: a busy machine can fail a step (a kernel slow to
        # start, a locked gradebook) that has nothing to do with the submission.
        _keep_log(settings, course_id, assignment_id, trainee, result)
        result = api.autograde(assignment_id, trainee, force=True, create=True)
    if not result.get("success"):
        _keep_log(settings, course_id, assignment_id, trainee, result)
        seconds = time.perf_counter() - started
        return GradeResult(
            course_id, assignment_id, trainee, 0.0, 0.0, False, seconds, _reason(result)
        )
    note = _release_feedback(settings, api, assignment_id, trainee) if feedback else ""
    score, max_score = submission_score(api, assignment_id, trainee)
    seconds = time.perf_counter() - started
    return GradeResult(course_id, assignment_id, trainee, score, max_score, True, seconds, note)


def _release_feedback(settings: Settings, api, assignment_id: str, trainee: str) -> str:  # noqa: ANN001
    """Generate and release feedback; the grade stands even if this fails (say why)."""
    result = api.generate_feedback(assignment_id, trainee)
    if result.get("success"):
        result = api.release_feedback(assignment_id, trainee)
    if result.get("success"):
        return ""
    _keep_log(settings, api.coursedir.course_id, assignment_id, trainee, result)
    return f"feedback not released: {_reason(result)}"


def submission_score(api, assignment_id: str, trainee: str) -> tuple[float, float]:  # noqa: ANN001
    """The submission's total score and maximum, from the gradebook."""
    with api.gradebook as gradebook:
        submission = gradebook.find_submission(assignment_id, trainee)
        return float(submission.score), float(submission.max_score)


def _reason(result: dict) -> str:
    """The most telling line of a failed nbgrader run: its last exception, if any."""
    text = f"{result.get('log') or ''}\n{result.get('error') or ''}".strip()
    exception = re.compile(r"\s*[\w.]+(Error|Exception|Timeout): ")
    exceptions = [
        line.strip() for line in text.splitlines()
        if exception.match(line) and "NbGraderException" not in line
    ]  # fmt: skip
    lines = exceptions or text.splitlines() or ["autograde failed"]
    return lines[-1][:500]


def _keep_log(settings: Settings, course: str, assignment: str, trainee: str, result: dict) -> None:
    """nbgrader's whole log of a failed run, under SENLAB_HOME/grading/failed/."""
    folder = settings.home / "grading" / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    text = f"{result.get('log') or ''}\n{result.get('error') or ''}"
    (folder / f"{course}--{assignment}--{trainee}.log").write_text(text)
