"""The completion rule through the real progress service: events in, certificates out.

Each case publishes one course (its rule as course.yaml would give it), posts grades and
lab check results to ``POST /api/events`` in batches, and reads the trainee's progress
back from the API. Every expected outcome is worked out by hand in its comment. The rule
on its own is tested in tests/courses/test_completion.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from senlab.progress.models import Certificate, Completion
from tests.progress.conftest import ADMIN, course_event, event, in_session, post_events


def at(n: int) -> str:
    return f"2026-03-{n:02d}T08:00:00Z"


def grade(assignment: str, score: float, day: int, max_score: float = 100) -> dict[str, Any]:
    return event("grade.recorded", at(day), trainee="an", course="c1", assignment=assignment,
                 score=score, max_score=max_score)


def check(name: str, passed: bool, day: int) -> dict[str, Any]:
    return event("lab.check", at(day), trainee="an", lab="lab1", check=name, passed=passed)


@dataclass
class Case:
    rule: dict[str, Any]  # course_event's keyword arguments
    batches: list[list[dict[str, Any]]]  # posted one after the other
    completed_on: int | None  # the day of March the course was completed, or None
    remaining: list[str] = field(default_factory=list)  # listed checks still to pass


TWO = {"assignments": ["a1", "a2"]}
THREE = {"assignments": ["a1", "a2", "a3"]}
LISTED = {"assignments": ["a1"], "checks": {"a1": ("lab1", ["c1", "c2"])}}

CASES = {
    # a2's own pass mark is 80: 75 fails it, although the total (145/200 = 72.5 %) clears
    # the course's 60 (the old single pass percent would have issued a certificate).
    "a grade below its assignment's own pass mark": Case(
        {**TWO, "pass_mark": 60, "pass_marks": {"a2": 80}},
        [[grade("a1", 70, 1), grade("a2", 75, 2)]], None),
    "each assignment at exactly its own pass mark": Case(
        {**TWO, "pass_mark": 60, "pass_marks": {"a2": 80}},
        [[grade("a1", 6, 1, max_score=10), grade("a2", 80, 2)]], 2),
    # both pass 50, but the mean (60 + 70) / 2 = 65 is below the minimum average of 70
    "every pass mark met, the average below the minimum": Case(
        {**TWO, "min_average": 70}, [[grade("a1", 60, 1), grade("a2", 70, 2)]], None),
    # (60 + 80) / 2 = 70; the second grade, on day 4, met the rule
    "the average reaches the minimum with the second grade": Case(
        {**TWO, "min_average": 70}, [[grade("a1", 60, 1)], [grade("a2", 80, 4)]], 4),
    # a3 is not required and there is no minimum average: it may stay ungraded
    "the required subset passed, the optional assignment ungraded": Case(
        {**THREE, "pass_mark": 60, "required": ["a1", "a2"]},
        [[grade("a1", 70, 1), grade("a2", 65, 3)]], 3),
    "a required assignment failed, the optional one at 100 %": Case(
        {**THREE, "pass_mark": 60, "required": ["a1", "a2"]},
        [[grade("a1", 70, 1), grade("a3", 100, 2), grade("a2", 50, 3)]], None),
    # the mean is over all assignments: (80 + 0) / 2 = 40 < 50, then (80 + 20) / 2 = 50
    "an optional assignment lifts the average though below its own mark": Case(
        {**TWO, "pass_mark": 60, "required": ["a1"], "min_average": 50},
        [[grade("a1", 80, 1)], [grade("a2", 20, 5)]], 5),
    # the lab has five checks; the assignment lists two: those two are enough
    "the two listed checks pass, the lab's three others do not": Case(
        LISTED, [[grade("a1", 100, 1), check("c1", True, 2), check("c2", True, 3),
                  check("c3", False, 3), check("c4", False, 3)]], 3),
    "three unlisted checks pass, a listed one does not": Case(
        LISTED, [[grade("a1", 100, 1), check("c1", True, 2), check("c3", True, 2),
                  check("c4", True, 2), check("c5", True, 2)]], None, ["c2"]),
    # c1's latest result (day 3) is a failure when the grade arrives: not completed
    "a listed check that passed, then failed, is not passed": Case(
        LISTED, [[check("c1", True, 2), check("c2", True, 2), check("c1", False, 3)],
                 [grade("a1", 100, 4)]], None, ["c1"]),
    # 40 % first; the 90 % graded on day 6 arrives later and completes the course then
    "a later better grade completes the course": Case(
        {"assignments": ["a1"], "pass_mark": 60},
        [[grade("a1", 40, 1)], [grade("a1", 90, 6)]], 6),
    # completed on day 2; the 20 % of day 7 changes the grade but not the completion
    "a later worse grade does not take the completion back": Case(
        {"assignments": ["a1"], "pass_mark": 60},
        [[grade("a1", 90, 2)], [grade("a1", 20, 7)]], 2),
    # the 30 % occurred on day 1, before the 90 % of day 6, though it arrives after it
    "an older grade arriving late changes nothing": Case(
        {"assignments": ["a1"], "pass_mark": 60},
        [[grade("a1", 90, 6)], [grade("a1", 30, 1)]], 6),
}


def progress_of_an(api) -> dict[str, Any]:
    response = api(ADMIN, "GET", "/api/trainees/an/progress")
    assert response.status_code == 200, response.text
    [course] = response.json()["courses"]
    return course


@pytest.mark.parametrize("name", list(CASES))
def test_the_service_completes_each_hand_worked_case(api, app, name: str) -> None:
    case = CASES[name]
    post_events(api, [course_event("c1", tags=["iot"], **case.rule)])
    for batch in case.batches:
        post_events(api, batch)
    course = progress_of_an(api)
    with in_session(app) as session:
        certificates = session.scalar(select(func.count()).select_from(Certificate))
    if case.completed_on is None:
        assert (course["completed_at"], course["certificate_code"], certificates) == (
            None, None, 0)
    else:
        assert course["completed_at"] == at(case.completed_on)
        assert course["certificate_code"].startswith("SL-") and certificates == 1
    assert [c["check"] for c in course["remaining_checks"]] == case.remaining


def test_a_completion_keeps_its_certificate_code_when_grades_change(api, app) -> None:
    post_events(api, [course_event("c1", tags=["iot"], assignments=["a1"], pass_mark=60)])
    post_events(api, [grade("a1", 90, 2)])
    code = progress_of_an(api)["certificate_code"]
    post_events(api, [grade("a1", 10, 8)])
    post_events(api, [grade("a1", 95, 9)])
    course = progress_of_an(api)
    assert (course["certificate_code"], course["grades"][0]["score"]) == (code, 95)
    with in_session(app) as session:
        assert session.scalar(select(func.count()).select_from(Completion)) == 1


def test_republishing_a_laxer_rule_completes_those_who_now_meet_it(api) -> None:
    post_events(api, [course_event("c1", tags=["iot"], assignments=["a1"], pass_mark=80)])
    post_events(api, [grade("a1", 70, 2)])
    assert progress_of_an(api)["completed_at"] is None
    post_events(api, [course_event("c1", tags=["iot"], assignments=["a1"], pass_mark=60,
                                   at="2026-03-05T00:00:00Z")])
    assert progress_of_an(api)["completed_at"] == "2026-03-02T08:00:00Z"


def test_republishing_a_stricter_rule_takes_no_completion_back(api) -> None:
    post_events(api, [course_event("c1", tags=["iot"], assignments=["a1"], pass_mark=60)])
    post_events(api, [grade("a1", 70, 2)])
    post_events(api, [course_event("c1", tags=["iot"], assignments=["a1"], pass_mark=90,
                                   at="2026-03-05T00:00:00Z")])
    assert progress_of_an(api)["completed_at"] == "2026-03-02T08:00:00Z"


def test_the_remaining_checks_carry_their_titles(api) -> None:
    post_events(api, [course_event("c1", tags=["iot"], **LISTED)])
    post_events(api, [grade("a1", 100, 1), check("c2", True, 2)])
    [left] = progress_of_an(api)["remaining_checks"]
    assert left == {"assignment": "a1", "lab": "lab1", "check": "c1",
                    "title": {"vi": "Kiểm tra c1", "en": "Check c1"}}


def test_a_rule_naming_an_unknown_required_assignment_is_refused_with_its_field(api) -> None:
    bad = course_event("c1", tags=["iot"], assignments=["a1"], required=["a9"])
    response = api(ADMIN, "POST", "/api/events", json={"events": [bad]})
    assert response.json()["results"] == ["rejected"], response.text
    [error] = response.json()["errors"]
    assert "required" in error["msg"] and "a9" in error["msg"]
