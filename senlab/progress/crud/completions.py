"""Deciding completions from a course's criteria, and issuing certificates for them."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from senlab.progress.crud.sql import among, chunks, insert_ignoring_conflicts, update_by_key
from senlab.progress.event_types import EventIn
from senlab.progress.models import (
    Certificate,
    CheckResult,
    Completion,
    Course,
    Enrolment,
    Enterprise,
    Grade,
    Lab,
    Trainee,
)

Pair = tuple[int, str]
# Crockford's base32 without look-alikes: a code read aloud or typed stays unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_certificate_code() -> str:
    """A random verification code such as ``SL-7K2Q-M9XD-4T``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"SL-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@dataclass
class CourseCriteria:
    """What a course asks for: graded assignments, a pass mark, passed lab checks."""

    course_id: str
    assignments: list[str]
    pass_percent: float
    lab_checks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def automatic(self) -> bool:
        return bool(self.assignments) or any(self.lab_checks.values())

    def snapshot(self) -> dict[str, Any]:
        return {"assignments": self.assignments, "pass_percent": self.pass_percent,
                "lab_checks": self.lab_checks}


def load_criteria(session: Session, course_ids: set[str]) -> dict[str, CourseCriteria]:
    criteria = {
        course.id: CourseCriteria(course.id, list(course.assignments), course.pass_percent)
        for course in session.scalars(select(Course).where(Course.id.in_(sorted(course_ids))))
    }
    for lab in session.scalars(select(Lab).where(Lab.course_id.in_(sorted(course_ids)))):
        criteria[lab.course_id].lab_checks[lab.id] = list(lab.checks)
    return criteria


def evaluate_completions(session: Session, *, pairs: list[Pair]) -> None:
    """Complete the enrolments among `pairs` that now meet their course's criteria."""
    if not pairs:
        return
    criteria = load_criteria(session, {course for _, course in pairs})
    for part in chunks(pairs):
        _evaluate_part(session, list(part), criteria)


def _evaluate_part(session: Session, pairs: list[Pair],
                   criteria: dict[str, CourseCriteria]) -> None:
    done = set(session.execute(
        select(Completion.trainee_id, Completion.course_id)
        .where(among(session, Completion.trainee_id, sorted({t for t, _ in pairs})))))
    # Only enrolments not yet complete, in courses that complete by themselves.
    pairs = [p for p in pairs if p not in done and p[1] in criteria
             and criteria[p[1]].automatic]
    if not pairs:
        return
    grades = _grades(session, pairs)
    checks = _check_results(session, pairs, criteria)
    completions = []
    for pair in pairs:
        met_at = _criteria_met_at(criteria[pair[1]], grades.get(pair, {}),
                                  checks.get(pair[0], {}))
        if met_at is not None:
            completions.append((pair, met_at, criteria[pair[1]].snapshot()))
    _complete(session, completions)


def _grades(session: Session, pairs: list[Pair]
            ) -> dict[Pair, dict[str, tuple[float, float, datetime]]]:
    grades: dict[Pair, dict[str, tuple[float, float, datetime]]] = defaultdict(dict)
    wanted = set(pairs)
    # Plain IN lists bind faster than row values; the few extra rows are dropped here.
    for trainee, course, assignment, score, max_score, at in session.execute(
            select(Grade.trainee_id, Grade.course_id, Grade.assignment, Grade.score,
                   Grade.max_score, Grade.recorded_at)
            .where(among(session, Grade.trainee_id, sorted({t for t, _ in pairs})),
                   Grade.course_id.in_(sorted({c for _, c in pairs})))):
        if (trainee, course) in wanted:
            grades[(trainee, course)][assignment] = (score, max_score, at)
    return grades


def _check_results(session: Session, pairs: list[Pair], criteria: dict[str, CourseCriteria]
                   ) -> dict[int, dict[tuple[str, str], tuple[bool, datetime]]]:
    labs = sorted({lab for _, course in pairs if course in criteria
                   for lab in criteria[course].lab_checks})
    results: dict[int, dict[tuple[str, str], tuple[bool, datetime]]] = defaultdict(dict)
    if not labs:
        return results
    trainees = sorted({trainee for trainee, _ in pairs})
    for trainee, lab, check, passed, at in session.execute(
            select(CheckResult.trainee_id, CheckResult.lab_id, CheckResult.check_id,
                   CheckResult.passed, CheckResult.checked_at)
            .where(among(session, CheckResult.trainee_id, trainees),
                   CheckResult.lab_id.in_(labs))):
        results[trainee][(lab, check)] = (passed, at)
    return results


def _criteria_met_at(criteria: CourseCriteria, graded: dict[str, tuple[float, float, datetime]],
                     checks: dict[tuple[str, str], tuple[bool, datetime]]) -> datetime | None:
    """When the last requirement was met, or None if one still is not."""
    if not criteria.automatic:
        return None
    times: list[datetime] = []
    if criteria.assignments:
        if any(name not in graded for name in criteria.assignments):
            return None
        score = sum(graded[name][0] for name in criteria.assignments)
        best = sum(graded[name][1] for name in criteria.assignments)
        if best <= 0 or 100.0 * score / best < criteria.pass_percent:
            return None
        times += [graded[name][2] for name in criteria.assignments]
    for lab, lab_checks in criteria.lab_checks.items():
        for check in lab_checks:
            passed, at = checks.get((lab, check), (False, None))
            if not passed or at is None:
                return None
            times.append(at)
    return max(times)


def _complete(session: Session, completions: list[tuple[Pair, datetime, dict[str, Any]]]
              ) -> None:
    if not completions:
        return
    insert_ignoring_conflicts(session, Completion, (
        {"trainee_id": t, "course_id": c, "completed_at": at, "criteria": snapshot}
        for (t, c), at, snapshot in completions), keys=["trainee_id", "course_id"])
    update_by_key(session, Enrolment, [
        {"trainee_id": t, "course_id": c, "completed_at": at} for (t, c), at, _ in completions],
        keys=["trainee_id", "course_id"])
    places = _workplaces(session, sorted({t for (t, _), _, _ in completions}))
    insert_ignoring_conflicts(session, Certificate, (
        {"code": new_certificate_code(), "trainee_id": t, "course_id": c, "issued_at": at,
         "enterprise_id": places.get(t, (None, None))[0],
         "park_id": places.get(t, (None, None))[1]}
        for (t, c), at, _ in completions), keys=["trainee_id", "course_id"])


def _workplaces(session: Session, trainee_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each trainee's enterprise and park now (trainees outside the roster have none)."""
    found: dict[int, tuple[str, str]] = {}
    for part in chunks(trainee_ids):
        found.update((t, (e, p)) for t, e, p in session.execute(
            select(Trainee.id, Enterprise.id, Enterprise.park_id)
            .join(Enterprise, Enterprise.id == Trainee.enterprise_id)
            .where(Trainee.id.in_(part))))
    return found


def record_manual_completions(session: Session, *, events: list[EventIn],
                              trainee_ids: dict[str, int]) -> None:
    """Complete courses on an explicit ``course.completed`` event (criteria: manual)."""
    latest: dict[Pair, EventIn] = {}
    for item in sorted(events, key=lambda e: e.occurred_at):
        latest.setdefault((trainee_ids[item.data["trainee"]], item.data["course"]), item)
    if not latest:
        return
    done = set(session.execute(
        select(Completion.trainee_id, Completion.course_id)
        .where(tuple_(Completion.trainee_id, Completion.course_id).in_(list(latest)))))
    _complete(session, [(pair, item.occurred_at,
                         {"manual": True, "note": item.data.get("note", "")})
                        for pair, item in latest.items() if pair not in done])
