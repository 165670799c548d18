"""Hints that cost: `hint_cost` in course.yaml (validated, carried by the rule) and the rule
applying it once: effective score = score - hint_cost x hints taken on the assignment's
listed checks, never below 0, for the pass marks and the least average.

Every figure is worked out by hand in its comment.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from senlab.courses import CompletionRule, CourseError, graded, load_course
from senlab.courses.labs import completion_rule
from senlab.courses.model import assignment_points
from senlab.settings import REPO_ROOT

T0 = datetime(2026, 3, 1)
TITLE = {"vi": "Kiểm tra", "en": "Check"}


def at(n: int) -> datetime:
    return T0 + timedelta(days=n)


def rule(pass_marks: dict[str, float], *, hint_costs: dict[str, float],
         checks: dict[str, list[str]], min_average: float = 0,
         required: list[str] | None = None) -> CompletionRule:
    """A rule whose listed checks (per assignment) are all in lab `lab1`."""
    return CompletionRule(
        pass_marks=pass_marks, required=required or list(pass_marks), min_average=min_average,
        hint_costs=hint_costs,
        checks=[{"assignment": a, "lab": "lab1", "check": c, "title": TITLE}
                for a, ids in checks.items() for c in ids])


PASSED = {("lab1", "c1"): at(0), ("lab1", "c2"): at(0), ("lab1", "c3"): at(0)}


def test_two_hints_at_one_point_take_8_of_10_below_a_70_pass_mark() -> None:
    one = rule({"a1": 70}, hint_costs={"a1": 1}, checks={"a1": ["c1", "c2"]})
    grades = {"a1": graded(8, 10, at(1))}
    # Without hints: 8/10 = 80 % >= 70: completed.
    assert one.standing(grades, PASSED).completed
    # Two hints at 1 point: 8 - 2 x 1 = 6 points, 6/10 = 60 % < 70: not completed.
    standing = one.standing(grades, PASSED, {("lab1", "c1"), ("lab1", "c2")})
    assert not standing.completed and standing.below_pass_mark == ("a1",)
    assert standing.average == 60.0 and standing.hint_points == (("a1", 2.0),)
    assert one.effective(grades, {("lab1", "c1"), ("lab1", "c2")})["a1"].percent == 60.0


def test_one_hint_still_passes_and_the_completion_time_is_the_grades() -> None:
    one = rule({"a1": 70}, hint_costs={"a1": 1}, checks={"a1": ["c1", "c2"]})
    # 8 - 1 = 7 points, 7/10 = 70 % >= 70.
    standing = one.standing({"a1": graded(8, 10, at(1))}, PASSED, [("lab1", "c1")])
    assert standing.completed and standing.completed_at == at(1)
    assert standing.hint_points == (("a1", 1.0),)


def test_the_same_hint_twice_costs_once() -> None:
    one = rule({"a1": 70}, hint_costs={"a1": 1}, checks={"a1": ["c1", "c2"]})
    twice = [("lab1", "c1"), ("lab1", "c1")]
    assert one.hint_points("a1", twice) == 1.0
    # 8 - 1 = 7 points: 70 %, as with one hint.
    assert one.standing({"a1": graded(8, 10, at(1))}, PASSED, twice).completed


def test_the_cost_never_takes_a_score_below_zero() -> None:
    one = rule({"a1": 0}, hint_costs={"a1": 2}, checks={"a1": ["c1", "c2", "c3"]})
    hints = {("lab1", "c1"), ("lab1", "c2"), ("lab1", "c3")}
    # 3 - 3 x 2 = -3 points, kept at 0: 0/6 = 0 %, which still meets a pass mark of 0.
    effective = one.effective({"a1": graded(3, 6, at(1))}, hints)
    assert effective["a1"].percent == 0.0 and effective["a1"].score == 0.0
    assert one.standing({"a1": graded(3, 6, at(1))}, PASSED, hints).completed


def test_hints_cost_only_the_assignment_that_lists_the_check() -> None:
    two = rule({"a1": 50, "a2": 50}, hint_costs={"a1": 1, "a2": 1},
               checks={"a1": ["c1"], "a2": ["c2"]})
    grades = {"a1": graded(8, 10, at(1)), "a2": graded(8, 10, at(2))}
    effective = two.effective(grades, {("lab1", "c1"), ("lab1", "c9"), ("lab2", "c2")})
    # Only c1 of lab1 is listed (by a1): a1 8 - 1 = 7 -> 70 %; c9 is listed by nobody and
    # c2 of lab2 is not lab1's c2: a2 stays 80 %.
    assert effective["a1"].percent == 70.0 and effective["a2"].percent == 80.0


def test_an_assignment_without_a_cost_is_free() -> None:
    two = rule({"a1": 50, "a2": 50}, hint_costs={"a1": 1},
               checks={"a1": ["c1"], "a2": ["c2"]})
    assert two.hint_points("a2", [("lab1", "c2")]) == 0.0
    assert two.hint_points("a1", [("lab1", "c1")]) == 1.0


def test_the_least_average_reads_the_effective_percents() -> None:
    two = rule({"a1": 50, "a2": 50}, hint_costs={"a1": 1, "a2": 2}, min_average=70,
               checks={"a1": ["c1"], "a2": ["c2"]})
    grades = {"a1": graded(8, 10, at(1)), "a2": graded(16, 20, at(2))}
    # No hints: (80 + 80) / 2 = 80 >= 70.
    assert two.standing(grades, PASSED).completed
    # Both hints: a1 (8 - 1)/10 = 70 %, a2 (16 - 2)/20 = 70 %: mean 70 >= 70, completed.
    both = two.standing(grades, PASSED, {("lab1", "c1"), ("lab1", "c2")})
    assert both.completed and both.average == 70.0
    # A mark of 71 is not met by that mean of 70.
    stricter = rule({"a1": 50, "a2": 50}, hint_costs={"a1": 1, "a2": 2}, min_average=71,
                    checks={"a1": ["c1"], "a2": ["c2"]})
    assert not stricter.standing(grades, PASSED, {("lab1", "c1"), ("lab1", "c2")}).completed


def test_a_grade_without_points_cannot_take_a_cost() -> None:
    from senlab.courses import Graded

    one = rule({"a1": 70}, hint_costs={"a1": 1}, checks={"a1": ["c1"]})
    with pytest.raises(ValueError, match="the grade of a1 has no points"):
        one.standing({"a1": Graded(80.0, at(1))}, PASSED, [("lab1", "c1")])


@pytest.mark.parametrize(
    ("costs", "reason"),
    [({"a1": -1}, "greater than or equal to 0"),
     ({"a9": 1}, "hint_costs: not among pass_marks' assignments: a9")])
def test_a_bad_hint_cost_in_a_rule_is_refused(costs, reason) -> None:
    with pytest.raises(ValidationError, match=reason):
        rule({"a1": 70}, hint_costs=costs, checks={"a1": ["c1"]})


def test_a_rule_published_before_hints_had_costs_still_reads_as_free() -> None:
    old = CompletionRule.model_validate({"pass_marks": {"a1": 70}, "required": ["a1"]})
    assert old.hint_costs == {} and old.hint_points("a1", [("lab1", "c1")]) == 0.0


# -- course.yaml ------------------------------------------------------------------------

def notebook(*points: float) -> dict:
    """A notebook with one graded cell per `points` and one cell that is not graded."""
    cells = [{"cell_type": "code", "source": "", "outputs": [], "execution_count": None,
              "metadata": {"nbgrader": {"grade": True, "solution": False, "points": p,
                                        "grade_id": f"t{i}"}}}
             for i, p in enumerate(points)]
    cells.append({"cell_type": "markdown", "source": "", "metadata": {}})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def course(tmp_path: Path, *, course_cost: float | None = None,
           assignment_cost: float | None = None, points: tuple[float, ...] = (2, 3)) -> Path:
    assignment: dict = {"id": "wiring", "title": {"vi": "Đấu nối", "en": "Wiring"}}
    if assignment_cost is not None:
        assignment["hint_cost"] = assignment_cost
    data: dict = {"id": "net201", "title": {"vi": "Mạng", "en": "Networks"}, "area": "iot",
                  "level": "beginner", "hours": 8, "competencies": ["x"],
                  "assignments": [assignment], "pass_mark": 60}
    if course_cost is not None:
        data["hint_cost"] = course_cost
    folder = tmp_path / "net201"
    (folder / "source" / "wiring").mkdir(parents=True)
    (folder / "course.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (folder / "source" / "wiring" / "wiring.ipynb").write_text(json.dumps(notebook(*points)))
    return folder


def test_points_are_the_graded_cells_points(tmp_path: Path) -> None:
    folder = course(tmp_path, points=(2, 3, 0.5))
    # 2 + 3 + 0.5 = 5.5; the markdown cell has none.
    assert assignment_points(folder / "source" / "wiring") == 5.5
    # The shipped iot101 assignment: three graded cells of 2 points = 6.
    assert assignment_points(REPO_ROOT / "courses" / "iot101" / "source"
                             / "mqtt-telemetry") == 6.0


def test_hints_are_free_by_default_and_the_assignment_cost_overrides_the_courses(
        tmp_path: Path) -> None:
    assert load_course(course(tmp_path / "a")).hint_cost_of("wiring") == 0
    both = load_course(course(tmp_path / "b", course_cost=1, assignment_cost=2.5))
    assert both.hint_cost_of("wiring") == 2.5
    assert load_course(course(tmp_path / "c", course_cost=1)).hint_cost_of("wiring") == 1


def test_a_cost_at_the_assignments_points_is_allowed(tmp_path: Path) -> None:
    # 2 + 3 = 5 points: a hint may cost all 5.
    assert load_course(course(tmp_path, assignment_cost=5)).hint_cost_of("wiring") == 5


@pytest.mark.parametrize(
    ("costs", "where", "reason"),
    [({"assignment_cost": 5.5}, "assignments.wiring.hint_cost",
      "a hint costs 5.5 points, more than assignment wiring is worth (5 points)"),
     ({"course_cost": 6}, "hint_cost",
      "a hint costs 6 points, more than assignment wiring is worth (5 points)"),
     ({"assignment_cost": -1}, "assignments.0.hint_cost", "greater than or equal to 0"),
     ({"course_cost": -0.5}, "hint_cost", "greater than or equal to 0")])
def test_a_bad_hint_cost_names_the_file_and_field(tmp_path: Path, costs, where, reason) -> None:
    folder = course(tmp_path, **costs)
    with pytest.raises(CourseError) as caught:
        load_course(folder)
    assert caught.value.file == str(folder / "course.yaml")
    assert caught.value.where == where and reason in caught.value.reason


def test_the_iot101_rule_carries_its_hint_cost() -> None:
    folder = REPO_ROOT / "courses" / "iot101"
    made = completion_rule(load_course(folder), REPO_ROOT / "labs", folder / "course.yaml")
    assert made.hint_costs == {"mqtt-telemetry": 1.0}
    # 6 points, both listed checks' hints taken: 6 - 2 = 4, 4/6 = 66.67 % >= 60.
    hints = [("iot101-sensors", "ping-station"), ("iot101-sensors", "slow-down-air")]
    effective = made.effective({"mqtt-telemetry": graded(6, 6, at(1))}, hints)
    assert round(effective["mqtt-telemetry"].percent, 2) == 66.67
