"""The completion rule on its own: made from course.yaml, and deciding from grades and checks.

Every case is worked out by hand in its comment; the service-level table that runs the
same rule through the progress service is tests/progress/test_completion_rule.py.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from senlab.courses import CompletionRule, CourseError, Graded, graded, load_course, rule_of
from senlab.courses.labs import completion_rule, listed_check_titles
from senlab.settings import REPO_ROOT

T0 = datetime(2026, 3, 1)
TITLE = {"vi": "Kiểm tra", "en": "Check"}


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def rule(pass_marks: dict[str, float], *, required: list[str] | None = None,
         min_average: float = 0, checks: dict[str, list[str]] | None = None) -> CompletionRule:
    """A rule whose listed checks (per assignment) are all in lab `lab1`."""
    return CompletionRule(
        pass_marks=pass_marks, required=required or list(pass_marks), min_average=min_average,
        checks=[{"assignment": a, "lab": "lab1", "check": c, "title": TITLE}
                for a, ids in (checks or {}).items() for c in ids])


def grades(**percents: float) -> dict[str, Graded]:
    """Percents graded on successive days, in the order given."""
    return {a: Graded(p, day(i)) for i, (a, p) in enumerate(percents.items(), start=1)}


def passed(*checks: str, on: int = 10) -> dict[tuple[str, str], datetime]:
    return {("lab1", c): day(on) for c in checks}


# (rule, grades, passed checks, completed?) — each worked out by hand.
CASES = {
    # a2's own mark is 80: 75 fails it, though the mean (72.5) clears the course's 60.
    "an assignment below its own pass mark": (
        rule({"a1": 60, "a2": 80}), grades(a1=70, a2=75), {}, False),
    "each assignment exactly at its mark": (
        rule({"a1": 60, "a2": 80}), grades(a1=60, a2=80), {}, True),
    # both pass 50, but (60 + 70) / 2 = 65 < 70
    "every mark met but the average short": (
        rule({"a1": 50, "a2": 50}, min_average=70), grades(a1=60, a2=70), {}, False),
    "the average exactly at the minimum": (
        rule({"a1": 50, "a2": 50}, min_average=70), grades(a1=60, a2=80), {}, True),
    # a3 is not required: ungraded, it does not stop a rule with no average
    "the required subset passed, an optional assignment ungraded": (
        rule({"a1": 60, "a2": 60, "a3": 60}, required=["a1", "a2"]),
        grades(a1=70, a2=65), {}, True),
    "a required assignment below its mark, an optional one at 100": (
        rule({"a1": 60, "a2": 60, "a3": 60}, required=["a1", "a2"]),
        grades(a1=70, a3=100, a2=50), {}, False),
    # the mean is over all assignments, an ungraded one counting 0: (80 + 0) / 2 = 40 < 50
    "an ungraded optional assignment counts 0 in the average": (
        rule({"a1": 60, "a2": 60}, required=["a1"], min_average=50), grades(a1=80), {}, False),
    # (80 + 20) / 2 = 50: a2 is below its mark, but it is not required
    "an optional assignment below its mark still lifts the average": (
        rule({"a1": 60, "a2": 60}, required=["a1"], min_average=50),
        grades(a1=80, a2=20), {}, True),
    "the listed checks passed, the lab's other checks not": (
        rule({"a1": 60}, checks={"a1": ["c1", "c2"]}), grades(a1=100), passed("c1", "c2"),
        True),
    "other checks passed, one listed check not": (
        rule({"a1": 60}, checks={"a1": ["c1", "c2"]}), grades(a1=100),
        passed("c1", "c3", "c4", "c5"), False),
    "the checks passed but the grade missing": (
        rule({"a1": 60}, checks={"a1": ["c1"]}), {}, passed("c1"), False),
    "a check listed by an optional assignment does not count": (
        rule({"a1": 60, "a2": 60}, required=["a1"], checks={"a2": ["c9"]}), grades(a1=90), {},
        True),
    # 100 × 0.29 / 1 is 28.999999999999996 in floating point: it still meets a mark of 29
    "a percent computed from a score meets its mark exactly": (
        rule({"a1": 29}), {"a1": graded(0.29, 1.0, day(1))}, {}, True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_rule_decides_each_hand_worked_case(name: str) -> None:
    completion, given, checks, completed = CASES[name]
    assert completion.standing(given, checks).completed is completed


def test_it_is_completed_when_the_last_requirement_was_met() -> None:
    completion = rule({"a1": 60, "a2": 60}, checks={"a1": ["c1"]})
    standing = completion.standing(grades(a1=70, a2=90), passed("c1", on=5))
    assert standing.completed_at == day(5)  # the check (day 5) came after both grades


def test_with_no_average_an_optional_grade_does_not_move_the_completion_time() -> None:
    completion = rule({"a1": 60, "a2": 60}, required=["a1"])
    standing = completion.standing(grades(a1=70, a2=10), {})
    assert standing.completed_at == day(1)  # a2, graded on day 2, decided nothing


def test_with_an_average_every_grade_counts_toward_the_completion_time() -> None:
    completion = rule({"a1": 60, "a2": 60}, required=["a1"], min_average=50)
    assert completion.standing(grades(a1=80, a2=20), {}).completed_at == day(2)


def test_the_standing_says_what_is_missing() -> None:
    completion = rule({"a1": 60, "a2": 80}, checks={"a1": ["c1", "c2"]})
    standing = completion.standing(grades(a1=90, a2=50), passed("c2"))
    assert standing.below_pass_mark == ("a2",)
    assert [c.check for c in standing.remaining_checks] == ["c1"]
    assert standing.average == 70
    assert standing.completed_at is None


def test_a_rule_naming_a_required_assignment_it_lacks_is_refused() -> None:
    with pytest.raises(ValidationError, match="required: not among pass_marks"):
        rule({"a1": 60}, required=["a1", "a9"])


def test_a_rule_listing_checks_of_an_assignment_it_lacks_is_refused() -> None:
    with pytest.raises(ValidationError, match="checks: not among pass_marks"):
        rule({"a1": 60}, checks={"a9": ["c1"]})


def test_a_rule_without_assignments_is_refused() -> None:
    with pytest.raises(ValidationError, match="pass_marks"):
        CompletionRule(pass_marks={}, required=["a1"])


def test_the_demo_course_rule_lists_its_two_checks_with_their_lab_yaml_titles() -> None:
    folder = REPO_ROOT / "courses" / "iot101"
    completion = completion_rule(load_course(folder), REPO_ROOT / "labs", folder / "course.yaml")
    assert completion.pass_marks == {"mqtt-telemetry": 60}
    assert completion.required == ["mqtt-telemetry"] and completion.min_average == 60
    assert [(c.lab, c.check) for c in completion.checks] == [
        ("iot101-sensors", "ping-station"), ("iot101-sensors", "slow-down-air")]
    assert completion.checks[0].title.vi == "Gửi lệnh ping tới trạm không khí và nhận phản hồi"


def test_the_demo_course_completes_on_its_listed_checks_alone() -> None:
    """iot101 at 100 % and its two listed checks: a certificate (the lab has five checks)."""
    folder = REPO_ROOT / "courses" / "iot101"
    completion = completion_rule(load_course(folder), REPO_ROOT / "labs", folder / "course.yaml")
    two = {("iot101-sensors", "ping-station"): day(2), ("iot101-sensors", "slow-down-air"): day(3)}
    assert completion.standing({"mqtt-telemetry": Graded(100, day(1))}, two).completed_at == day(3)


def test_rule_of_takes_each_pass_mark_the_required_list_and_the_average(tmp_path: Path) -> None:
    from tests.courses.test_course_yaml import GOOD, write_course

    course = load_course(write_course(tmp_path, GOOD))
    completion = rule_of(course, {})
    assert completion.pass_marks == {"coverage": 60, "slicing": 80}
    assert completion.required == ["coverage"] and completion.min_average == 50


def test_a_listed_check_its_lab_lacks_names_the_file_and_the_field(tmp_path: Path) -> None:
    folder = tmp_path / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    text = (folder / "course.yaml").read_text().replace("slow-down-air", "fly-away")
    (folder / "course.yaml").write_text(text)
    with pytest.raises(CourseError) as caught:
        listed_check_titles(load_course(folder), REPO_ROOT / "labs", folder / "course.yaml")
    assert caught.value.file == str(folder / "course.yaml")
    assert caught.value.where == "assignments.mqtt-telemetry.checks"
    assert caught.value.reason.startswith("unknown check 'fly-away'")


def test_a_missing_lab_names_the_assignments_lab_field(tmp_path: Path) -> None:
    folder = tmp_path / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    with pytest.raises(CourseError, match=r"assignments.mqtt-telemetry.lab: no labs/"):
        listed_check_titles(load_course(folder), tmp_path / "no-labs", folder / "course.yaml")
