"""The completion rule: who has completed a course. SenLab decides it here and nowhere else.

A course's rule comes from its `course.yaml` (`rule_of`), travels to the progress service
in the `course.published` event, and the service asks `CompletionRule.standing` whenever a
grade or a check result arrives. A trainee has completed the course when

1. every required assignment (`completion.required`; all of them when unset) is graded,
   and its percent (100 × score ÷ max score of its latest grade) is at least its pass
   mark: the assignment's `pass_mark`, else the course's;
2. every lab check that a required assignment lists under `checks:` has passed (its latest
   result); a lab's other checks are practice and do not count;
3. the mean of the percents of *all* the course's assignments, each counting once
   whatever its points and an ungraded one counting 0, is at least
   `completion.min_average`. So `required` says what must be passed, and the optional
   assignments still count toward the average.

Hints cost points. An assignment's effective score is its score less `hint_cost` points
for each hint the trainee took on a check that the assignment lists (a hint counts once
however often it was asked for; never below 0): 8 of 10 points with 2 hints at 1 point is
6 of 10, 60 %. Points 1 and 3 read the effective percents, and nothing else applies the
cost: the progress service shows what the rule worked out. A hint on a check no
assignment lists costs nothing.

The course is completed when the last of these was met. A completion, once issued, stands
whatever grades or results come later; that is the service's part (it only ever adds).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, NamedTuple

from pydantic import Field, model_validator

from senlab.courses.model import CHECK_ID, SLUG, BilingualText, Course, Strict

Percent = Annotated[float, Field(ge=0, le=100)]
AssignmentId = Annotated[str, Field(pattern=SLUG)]
# Percents are quotients of floats: 100 × 0.29 / 1 is 28.999999999999996. Compared at this
# many decimals, 0.29 out of 1 meets a mark of 29.
DECIMALS = 6


class ListedCheck(Strict):
    """A lab check that an assignment lists under `checks:`, titled as in its lab.yaml."""

    assignment: AssignmentId
    lab: str = Field(pattern=SLUG)
    check: str = Field(pattern=CHECK_ID)
    title: BilingualText


class Graded(NamedTuple):
    """An assignment's latest grade as a percent, and when it was recorded; its points
    (score out of max_score), which a hint's cost is taken from, when known."""

    percent: float
    at: datetime
    score: float | None = None
    max_score: float | None = None


def graded(score: float, max_score: float, at: datetime) -> Graded:
    """A grade of `score` out of `max_score` (more than 0) as the rule reads it."""
    return Graded(100.0 * score / max_score, at, score, max_score)


Hints = Collection[tuple[str, str]]  # the (lab, check) pairs whose hint a trainee took


@dataclass(frozen=True)
class Standing:
    """Where a trainee stands against a course's rule."""

    completed_at: datetime | None  # when the rule was met; None while it is not
    average: float  # the mean percent over all the course's assignments
    below_pass_mark: tuple[str, ...]  # required assignments ungraded or under their mark
    remaining_checks: tuple[ListedCheck, ...]  # listed checks not passed yet
    hint_points: tuple[tuple[str, float], ...] = ()  # (assignment, points its hints cost)

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


class CompletionRule(Strict):
    """What completes one course (see the module's docstring for the rule itself)."""

    pass_marks: dict[AssignmentId, Percent] = Field(
        min_length=1, description="Every assignment of the course and the percent that passes it.")
    required: list[AssignmentId] = Field(
        min_length=1, description="The assignments that must be passed.")
    min_average: Percent = Field(
        0, description="Least mean percent over all the assignments (ungraded ones count 0).")
    checks: list[ListedCheck] = Field(
        [], description="The lab checks the assignments list under `checks:`.")
    hint_costs: dict[AssignmentId, Annotated[float, Field(ge=0)]] = Field(
        {}, description="Points one hint on a listed check costs, per assignment "
        "(an assignment not named: hints are free).")

    @model_validator(mode="after")
    def _consistent(self) -> CompletionRule:
        unknown = sorted(set(self.required) - set(self.pass_marks))
        if unknown:
            raise ValueError(f"required: not among pass_marks' assignments: {', '.join(unknown)}")
        if len(set(self.required)) < len(self.required):
            raise ValueError("required: an assignment is named more than once")
        strays = sorted({c.assignment for c in self.checks} - set(self.pass_marks))
        if strays:
            raise ValueError(f"checks: not among pass_marks' assignments: {', '.join(strays)}")
        strays = sorted(set(self.hint_costs) - set(self.pass_marks))
        if strays:
            raise ValueError(f"hint_costs: not among pass_marks' assignments: "
                             f"{', '.join(strays)}")
        keys = [(c.assignment, c.lab, c.check) for c in self.checks]
        if len(set(keys)) < len(keys):
            raise ValueError("checks: an assignment lists a lab check more than once")
        return self

    def required_checks(self) -> list[ListedCheck]:
        """The listed checks that count: those of the required assignments."""
        return [c for c in self.checks if c.assignment in self.required]

    def hints_on(self, assignment: str, hints: Hints) -> list[ListedCheck]:
        """The checks `assignment` lists whose hint was taken (each once)."""
        taken = set(hints)
        return [c for c in self.checks if c.assignment == assignment
                and (c.lab, c.check) in taken]

    def hint_points(self, assignment: str, hints: Hints) -> float:
        """The points the hints taken on `assignment`'s listed checks cost it."""
        cost = self.hint_costs.get(assignment, 0.0)
        return cost * len(self.hints_on(assignment, hints)) if cost else 0.0

    def effective(self, grades: Mapping[str, Graded], hints: Hints) -> dict[str, Graded]:
        """Each grade less what its assignment's hints cost (in points, not below 0)."""
        result = dict(grades)
        for assignment, grade in grades.items():
            points = self.hint_points(assignment, hints)
            if not points:
                continue
            if grade.score is None or grade.max_score is None:
                raise ValueError(f"the grade of {assignment} has no points to take the "
                                 "hints' cost from (make it with graded())")
            score = max(0.0, grade.score - points)
            result[assignment] = graded(score, grade.max_score, grade.at)
        return result

    def standing(self, grades: Mapping[str, Graded],
                 passed: Mapping[tuple[str, str], datetime], hints: Hints = ()) -> Standing:
        """Where a trainee stands, from the latest grade of each graded assignment, when
        each (lab, check) they passed last passed, and the (lab, check) pairs whose hint
        they took. This is the completion rule."""
        costs = tuple((a, p) for a in self.pass_marks if (p := self.hint_points(a, hints)))
        grades = self.effective(grades, hints) if costs else grades
        below = tuple(a for a in self.required
                      if a not in grades or _at(grades[a].percent) < self.pass_marks[a])
        remaining = tuple(c for c in self.required_checks() if (c.lab, c.check) not in passed)
        average = sum(grades[a].percent for a in self.pass_marks if a in grades) / len(
            self.pass_marks)
        if below or remaining or _at(average) < self.min_average:
            return Standing(None, average, below, remaining, costs)
        # What the outcome rested on: the average needs every grade, the marks only theirs.
        counted = self.pass_marks if self.min_average > 0 else self.required
        times = [grades[a].at for a in counted if a in grades]
        times += [passed[(c.lab, c.check)] for c in self.required_checks()]
        return Standing(max(times), average, (), (), costs)


def _at(percent: float) -> float:
    return round(percent, DECIMALS)


def rule_of(course: Course, titles: Mapping[tuple[str, str], BilingualText]) -> CompletionRule:
    """The rule of `course`, with each listed check's title from `titles[(lab, check)]`
    (`senlab.courses.labs.listed_check_titles` reads them from the labs' lab.yaml)."""
    return CompletionRule(
        pass_marks={a.id: course.pass_mark_of(a.id) for a in course.assignments},
        required=course.completion.required or [a.id for a in course.assignments],
        min_average=course.completion.min_average,
        checks=[ListedCheck(assignment=a.id, lab=a.lab, check=check, title=titles[(a.lab, check)])
                for a in course.assignments if a.lab for check in a.checks],
        hint_costs={a.id: cost for a in course.assignments
                    if (cost := course.hint_cost_of(a.id)) > 0},
    )
