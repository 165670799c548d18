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

The course is completed when the last of these was met. A completion, once issued, stands
whatever grades or results come later; that is the service's part (it only ever adds).
"""

from __future__ import annotations

from collections.abc import Mapping
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
    """An assignment's latest grade as a percent, and when it was recorded."""

    percent: float
    at: datetime


def graded(score: float, max_score: float, at: datetime) -> Graded:
    """A grade of `score` out of `max_score` (more than 0) as the rule reads it."""
    return Graded(100.0 * score / max_score, at)


@dataclass(frozen=True)
class Standing:
    """Where a trainee stands against a course's rule."""

    completed_at: datetime | None  # when the rule was met; None while it is not
    average: float  # the mean percent over all the course's assignments
    below_pass_mark: tuple[str, ...]  # required assignments ungraded or under their mark
    remaining_checks: tuple[ListedCheck, ...]  # listed checks not passed yet

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
        keys = [(c.assignment, c.lab, c.check) for c in self.checks]
        if len(set(keys)) < len(keys):
            raise ValueError("checks: an assignment lists a lab check more than once")
        return self

    def required_checks(self) -> list[ListedCheck]:
        """The listed checks that count: those of the required assignments."""
        return [c for c in self.checks if c.assignment in self.required]

    def standing(self, grades: Mapping[str, Graded],
                 passed: Mapping[tuple[str, str], datetime]) -> Standing:
        """Where a trainee stands, from the latest grade of each graded assignment and
        when each (lab, check) they passed last passed. This is the completion rule."""
        below = tuple(a for a in self.required
                      if a not in grades or _at(grades[a].percent) < self.pass_marks[a])
        remaining = tuple(c for c in self.required_checks() if (c.lab, c.check) not in passed)
        average = sum(grades[a].percent for a in self.pass_marks if a in grades) / len(
            self.pass_marks)
        if below or remaining or _at(average) < self.min_average:
            return Standing(None, average, below, remaining)
        # What the outcome rested on: the average needs every grade, the marks only theirs.
        counted = self.pass_marks if self.min_average > 0 else self.required
        times = [grades[a].at for a in counted if a in grades]
        times += [passed[(c.lab, c.check)] for c in self.required_checks()]
        return Standing(max(times), average, (), ())


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
    )
