"""Completing courses by their published rule (senlab.courses.CompletionRule); certificates."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from senlab.courses import CompletionRule, Graded, graded
from senlab.events import EventIn
from senlab.progress.crud.hints import hints_taken
from senlab.progress.crud.sql import among, chunks, insert_ignoring_conflicts, update_by_key
from senlab.progress.models import (
    Certificate,
    CheckResult,
    Completion,
    Course,
    Enrolment,
    Enterprise,
    Grade,
    Trainee,
)

Pair = tuple[int, str]
# Crockford's base32 without look-alikes: a code read aloud or typed stays unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_certificate_code() -> str:
    """A random verification code such as ``SL-7K2Q-M9XD-4T``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"SL-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def load_rules(session: Session, course_ids: set[str] | None = None
               ) -> dict[str, CompletionRule]:
    """The published completion rule of each course that has one (of `course_ids` if given)."""
    query = select(Course.id, Course.rule)
    if course_ids is not None:
        query = query.where(Course.id.in_(sorted(course_ids)))
    return {course_id: CompletionRule.model_validate(rule)
            for course_id, rule in session.execute(query) if rule is not None}


def evaluate_completions(session: Session, *, pairs: list[Pair]) -> None:
    """Complete the enrolments among `pairs` that now meet their course's rule."""
    if not pairs:
        return
    rules = load_rules(session, {course for _, course in pairs})
    for part in chunks(pairs):
        _evaluate_part(session, list(part), rules)


def _evaluate_part(session: Session, pairs: list[Pair],
                   rules: dict[str, CompletionRule]) -> None:
    done = set(session.execute(
        select(Completion.trainee_id, Completion.course_id)
        .where(among(session, Completion.trainee_id, sorted({t for t, _ in pairs})))))
    # Only enrolments not yet complete (a completion stands), in courses with a rule.
    pairs = [p for p in pairs if p not in done and p[1] in rules]
    if not pairs:
        return
    grades = _grades(session, pairs)
    passed = _passed_checks(session, pairs, rules)
    hints = _hints(session, pairs, rules)
    completions = []
    for pair in pairs:
        rule = rules[pair[1]]
        taken = hints.get(pair[0], {})
        standing = rule.standing(grades.get(pair, {}), passed.get(pair[0], {}), taken)
        if standing.completed_at is not None:
            effective = rule.effective(grades.get(pair, {}), taken)
            snapshot = {
                "rule": rule.model_dump(mode="json"), "average": round(standing.average, 2),
                "percents": {a: round(g.percent, 2) for a, g in effective.items()}}
            if standing.hint_points:
                snapshot["hint_points"] = dict(standing.hint_points)
            completions.append((pair, standing.completed_at, snapshot))
    _complete(session, completions)


def _grades(session: Session, pairs: list[Pair]) -> dict[Pair, dict[str, Graded]]:
    """Each pair's latest grade per assignment."""
    grades: dict[Pair, dict[str, Graded]] = defaultdict(dict)
    wanted = set(pairs)
    # Plain IN lists bind faster than row values; the few extra rows are dropped here.
    for trainee, course, assignment, score, max_score, at in session.execute(
            select(Grade.trainee_id, Grade.course_id, Grade.assignment, Grade.score,
                   Grade.max_score, Grade.recorded_at)
            .where(among(session, Grade.trainee_id, sorted({t for t, _ in pairs})),
                   Grade.course_id.in_(sorted({c for _, c in pairs})))):
        if (trainee, course) in wanted:
            grades[(trainee, course)][assignment] = graded(score, max_score, at)
    return grades


def _passed_checks(session: Session, pairs: list[Pair], rules: dict[str, CompletionRule]
                   ) -> dict[int, dict[tuple[str, str], datetime]]:
    """Each trainee's passed checks of the labs the rules list, with when they passed."""
    labs = sorted({check.lab for _, course in pairs for check in rules[course].checks})
    if not labs:
        return {}
    return passed_checks(session, trainee_ids=sorted({trainee for trainee, _ in pairs}),
                         labs=labs)


def _hints(session: Session, pairs: list[Pair], rules: dict[str, CompletionRule]
           ) -> dict[int, dict[tuple[str, str], datetime]]:
    """Each trainee's hints taken on the labs of the rules that make hints cost."""
    labs = sorted({check.lab for _, course in pairs if rules[course].hint_costs
                   for check in rules[course].checks})
    if not labs:
        return {}
    return hints_taken(session, trainee_ids=sorted({trainee for trainee, _ in pairs}),
                       labs=labs)


def passed_checks(session: Session, *, trainee_ids: list[int], labs: list[str] | None = None
                  ) -> dict[int, dict[tuple[str, str], datetime]]:
    """Per trainee, each (lab, check) whose latest result passed, and when."""
    query = (select(CheckResult.trainee_id, CheckResult.lab_id, CheckResult.check_id,
                    CheckResult.checked_at)
             .where(among(session, CheckResult.trainee_id, trainee_ids),
                    CheckResult.passed.is_(True)))
    if labs is not None:
        query = query.where(CheckResult.lab_id.in_(labs))
    results: dict[int, dict[tuple[str, str], datetime]] = defaultdict(dict)
    for trainee, lab, check, at in session.execute(query):
        results[trainee][(lab, check)] = at
    return results


def checks_left_in_lab(session: Session, *, username: str, lab: str, passing: set[str]
                       ) -> list[dict[str, Any]]:
    """For each course whose rule lists checks of `lab`, the listed ones not in `passing`.

    A course the trainee has completed needs nothing more (its certificate stands).
    """
    trainee = session.scalar(select(Trainee.id).where(Trainee.username == username))
    completed = set() if trainee is None else set(session.scalars(
        select(Completion.course_id).where(Completion.trainee_id == trainee)))
    left = []
    for course, rule in sorted(load_rules(session).items()):
        listed = [c for c in rule.required_checks() if c.lab == lab]
        if listed:
            left.append({"course": course, "completed": course in completed, "checks": [
                {"id": c.check, "title": c.title.model_dump()} for c in listed
                if course not in completed and c.check not in passing]})
    return left


def hint_costs(session: Session, *, lab: str) -> dict[str, list[dict[str, Any]]]:
    """Per check of `lab`, what its hint costs in each course whose rule lists it and makes
    hints cost: ``[{"course", "assignment", "points"}]`` (a check absent: free)."""
    costs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for course, rule in sorted(load_rules(session).items()):
        for listed in rule.checks:
            points = rule.hint_costs.get(listed.assignment, 0.0)
            if listed.lab == lab and points > 0:
                costs[listed.check].append({"course": course, "assignment": listed.assignment,
                                            "points": points})
    return dict(costs)


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
