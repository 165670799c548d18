"""The plan's targets and SenLab's training indicators: loaded from YAML, computed, projected.

The goals file holds three things (``data/goals.yaml``): the plan's own targets (kind
``plan``, quoted from Kế hoạch 478 with their section; SenLab does not measure them), the
training indicators SenLab derives from them (kind ``derived``, each with its derivation),
and the assumptions the derivations rest on, which DOST may change.

Share indicators divide by the registry of parks and enterprises: every one of the
province's, enrolled or not (``senlab.progress.crud.registry``).

An indicator's actual value at a date counts the certificates issued up to the end of
that day, each for the enterprise and park its holder worked in when it was issued.
The trend is the value at the same day of each of the last six months (the last point
is the as-of date); the projection is the least-squares line through it, taken to the
period's deadline, never below the actual value (certificates are not withdrawn) and
never above 100 for a percentage.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from senlab.progress import schemas
from senlab.progress.models import Certificate, Course, Enterprise, Park

SHIPPED_GOALS = Path(__file__).resolve().parent / "data" / "goals.yaml"
TREND_MONTHS = 6


class Computation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["certified_trainees", "enterprises_with_certified", "parks_with_certified"]
    course_tags: list[str] = Field(min_length=1)


class Assumption(BaseModel):
    """A number a derivation rests on that is not in the plan: DOST may change it."""

    model_config = ConfigDict(extra="forbid")
    value: float = Field(ge=0)
    unit: str = Field(min_length=1)
    wording_vi: str = Field(min_length=1)
    wording_en: str = Field(min_length=1)


class PlanPeriodTarget(BaseModel):
    """One of the plan's targets for one period, in the plan's own words."""

    model_config = ConfigDict(extra="forbid")
    period: str
    deadline: date
    section: str = Field(min_length=1)
    relation: Literal["reach", "over", "range"]  # "đạt", "trên", "từ a - b"
    target: float = Field(ge=0)
    target_from: float | None = Field(default=None, ge=0)  # a range's lower end
    wording_vi: str = Field(min_length=1)


class PlanTarget(BaseModel):
    """A target of the plan itself (kind ``plan``): SenLab shows it, others report it."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title_vi: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    targets: list[PlanPeriodTarget] = Field(min_length=1)


class PeriodTargetSpec(BaseModel):
    """A derived indicator's target: a number, or the product of assumptions."""

    model_config = ConfigDict(extra="forbid")
    period: str
    deadline: date
    target: float = Field(default=-1.0)
    target_from: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> PeriodTargetSpec:
        if bool(self.target_from) == (self.target >= 0):
            raise ValueError("give either target (a number, at least 0) or target_from "
                             "(the assumptions whose product it is)")
        return self


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title_vi: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    section: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    derived_from: str | None = None  # the id of the plan target it is derived from
    derivation: str = ""
    derivation_en: str = ""
    computation: Computation
    targets: list[PeriodTargetSpec] = Field(min_length=1)

    @property
    def is_share(self) -> bool:
        return self.computation.kind != "certified_trainees"

    def target_for(self, as_of: date, period: str | None) -> PeriodTargetSpec:
        """The named period's target, else the first one not yet past at `as_of`."""
        ordered = sorted(self.targets, key=lambda t: t.deadline)
        if period is not None:
            for target in ordered:
                if target.period == period:
                    return target
            raise KeyError(period)
        return next((t for t in ordered if t.deadline >= as_of), ordered[-1])


class GoalsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assumptions: dict[str, Assumption] = Field(default_factory=dict)
    plan_targets: list[PlanTarget] = Field(default_factory=list)
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> GoalsFile:
        plans = {p.id for p in self.plan_targets}
        for index, indicator in enumerate(self.indicators):
            if indicator.derived_from is not None and indicator.derived_from not in plans:
                raise ValueError(f"indicators.{index}.derived_from: no plan target "
                                 f"{indicator.derived_from!r}")
            for t, target in enumerate(indicator.targets):
                for name in target.target_from:
                    if name not in self.assumptions:
                        raise ValueError(f"indicators.{index}.targets.{t}.target_from: no "
                                         f"assumption {name!r}")
                if target.target_from:
                    target.target = math.prod(self.assumptions[n].value
                                              for n in target.target_from)
        return self


class Goals(list[Indicator]):
    """The derived indicators, as a list (what the routes and reports iterate), carrying
    the plan's targets and the assumptions they were loaded with."""

    def __init__(self, goals: GoalsFile):
        super().__init__(goals.indicators)
        self.plan_targets: list[PlanTarget] = goals.plan_targets
        self.assumptions: dict[str, Assumption] = goals.assumptions


class GoalsFileError(ValueError):
    """The goals YAML is malformed; the message names the file and the field."""


def load_goals(path: Path = SHIPPED_GOALS) -> Goals:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Goals(GoalsFile.model_validate(raw))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise GoalsFileError(f"{path}: {problems}") from error
    except yaml.YAMLError as error:
        raise GoalsFileError(f"{path}: not valid YAML: {error}") from error


def goals_path(home: Path) -> Path:
    """DOST's edited copy in SENLAB_HOME if there is one, else the shipped file."""
    edited = home / "goals.yaml"
    return edited if edited.exists() else SHIPPED_GOALS


@dataclass(frozen=True)
class Filters:
    park: str | None = None
    enterprise: str | None = None
    course: str | None = None
    enterprises: frozenset[str] | None = None  # a manager's scope

    def as_dict(self) -> dict[str, str | None]:
        return {"park": self.park, "enterprise": self.enterprise, "course": self.course}


class ProgressFacts:
    """The scope the filters give: the courses per tag, and how many enterprises and
    parks it holds (the shares' denominators). These are the registry's: every park and
    enterprise of the province, whether or not anyone enrolled (until a registry is
    imported, only the places the roster named)."""

    def __init__(self, session: Session, filters: Filters):
        self.session, self.filters = session, filters
        self.course_tags = {cid: set(t) for cid, t in session.execute(
            select(Course.id, Course.tags))}
        # The shares' denominators, counted in the database: a province has thousands
        # of enterprises, and only their numbers are needed.
        in_scope = _scoped(select(func.count(Enterprise.id).label("enterprises"),
                                  func.count(Enterprise.park_id.distinct()).label("parks")),
                           filters, Enterprise.id, Enterprise.park_id).subquery()
        enterprises, parks_in_scope, all_parks = session.execute(select(
            in_scope.c.enterprises, in_scope.c.parks,
            select(func.count()).select_from(Park).scalar_subquery())).one()
        self.enterprise_count: int = enterprises
        narrowed = filters.park or filters.enterprise or filters.enterprises is not None
        # Unfiltered, every park counts, even one with no enterprise yet.
        self.park_count: int = parks_in_scope if narrowed else all_parks

    def courses_tagged(self, tags: set[str]) -> list[str]:
        courses = [c for c, t in self.course_tags.items() if t & tags]
        if self.filters.course:
            courses = [c for c in courses if c == self.filters.course]
        return sorted(courses)

    def reached_by(self, tags: set[str], owner: str, days: list[date]) -> list[int]:
        """How many owners (trainees, enterprises or parks) had a matching certificate
        by the end of each day: one grouped query, counted at every day at once."""
        courses = self.courses_tagged(tags)
        if not courses:
            return [0 for _ in days]
        column = {"trainee": Certificate.trainee_id, "enterprise": Certificate.enterprise_id,
                  "park": Certificate.park_id}[owner]
        # Each owner's row says, per day, whether its first certificate came by then;
        # comparing inside the grouped query keeps the outer one to plain counts, which
        # cuts about a third of the cost when owners are nearly as many as certificates
        # (trainees).
        first = func.min(Certificate.issued_at)
        reached = (select(*(first <= datetime.combine(d, time.max) for d in days))
                   .where(Certificate.course_id.in_(courses), column.is_not(None))
                   .group_by(column))
        reached = _scoped(reached, self.filters, Certificate.enterprise_id,
                          Certificate.park_id).subquery()
        counts = self.session.execute(select(
            *(func.count().filter(by_day) for by_day in reached.c))).one()
        return [int(n) for n in counts]


def _scoped(query, filters: Filters, enterprise_column, park_column):
    if filters.park:
        query = query.where(park_column == filters.park)
    if filters.enterprise:
        query = query.where(enterprise_column == filters.enterprise)
    if filters.enterprises is not None:
        query = query.where(enterprise_column.in_(sorted(filters.enterprises)))
    return query


def values_at(indicator: Indicator, facts: ProgressFacts, days: list[date]) -> list[float]:
    """The indicator's value at each day, counting certificates issued to the day's end."""
    tags = set(indicator.computation.course_tags)
    kind = indicator.computation.kind
    if kind == "certified_trainees":
        return [float(n) for n in facts.reached_by(tags, "trainee", days)]
    owner, universe = ("park", facts.park_count) if kind == "parks_with_certified" \
        else ("enterprise", facts.enterprise_count)
    if not universe:
        return [0.0 for _ in days]
    return [round(100.0 * n / universe, 2) for n in facts.reached_by(tags, owner, days)]


def months_back(day: date, months: int) -> date:
    """The same day `months` earlier, or the month's last day if it is shorter."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def project(trend: list[tuple[date, float]], deadline: date, *, cap: float | None) -> float:
    """Least-squares line through the trend, at the deadline; not below the last value."""
    actual = trend[-1][1]
    days = np.array([(d - trend[0][0]).days for d, _ in trend], dtype=float)
    values = np.array([v for _, v in trend], dtype=float)
    slope, intercept = np.polyfit(days, values, 1)
    projected = max(actual, float(intercept + slope * (deadline - trend[0][0]).days))
    return round(min(projected, cap) if cap is not None else projected, 2)


def denominator(indicator: Indicator, facts: ProgressFacts) -> int | None:
    """What a share divides by (the registry's enterprises or parks in scope); None for
    a count."""
    kind = indicator.computation.kind
    return None if kind == "certified_trainees" else (
        facts.park_count if kind == "parks_with_certified" else facts.enterprise_count)


def plan_wording(indicator: Indicator, plans: list[PlanTarget], period: str) -> str:
    """The plan's exact words for the target `indicator` is derived from, in `period`."""
    plan = next((p for p in plans if p.id == indicator.derived_from), None)
    if plan is None:
        return ""
    return next((t.wording_vi for t in plan.targets if t.period == period), "")


def indicator_status(indicator: Indicator, facts: ProgressFacts, as_of: date,
                     period: str | None, plans: list[PlanTarget] | None = None
                     ) -> schemas.IndicatorStatus:
    target = indicator.target_for(as_of, period)
    days = [months_back(as_of, k) for k in range(TREND_MONTHS - 1, -1, -1)]
    trend = list(zip(days, values_at(indicator, facts, days), strict=True))
    projection = project(trend, target.deadline, cap=100.0 if indicator.is_share else None)
    return schemas.IndicatorStatus(
        id=indicator.id, kind="derived", title_vi=indicator.title_vi,
        title_en=indicator.title_en, section=indicator.section, unit=indicator.unit,
        derivation=indicator.derivation, derivation_en=indicator.derivation_en,
        derived_from=indicator.derived_from,
        wording_vi=plan_wording(indicator, plans or [], target.period),
        target_from=target.target_from, denominator=denominator(indicator, facts),
        computation=f"{indicator.computation.kind}({', '.join(indicator.computation.course_tags)})",
        period=target.period, deadline=target.deadline, target=target.target,
        actual=trend[-1][1], projection=projection, on_track=projection >= target.target,
        trend=[schemas.TrendPoint(date=d, value=v) for d, v in trend],
        targets=[schemas.PeriodTarget(period=t.period, deadline=t.deadline, target=t.target)
                 for t in indicator.targets])


def goals_report(session: Session, *, indicators: list[Indicator], as_of: date,
                 period: str | None, filters: Filters) -> schemas.GoalsReport:
    """Every indicator's target, actual value, trend and projection at `as_of`."""
    facts = ProgressFacts(session, filters)
    plans: list[PlanTarget] = getattr(indicators, "plan_targets", [])
    assumptions: dict[str, Assumption] = getattr(indicators, "assumptions", {})
    return schemas.GoalsReport(
        as_of=as_of, filters=filters.as_dict(),
        indicators=[indicator_status(i, facts, as_of, period, plans) for i in indicators],
        plan_targets=[schemas.PlanTargetPublic(
            id=p.id, kind="plan", title_vi=p.title_vi, title_en=p.title_en, unit=p.unit,
            targets=[schemas.PlanPeriodTargetPublic(**t.model_dump()) for t in p.targets])
            for p in plans],
        assumptions=[schemas.AssumptionPublic(id=name, **a.model_dump())
                     for name, a in assumptions.items()])


OPENDATA_COLUMNS = ["scope", "park_id", "park_name", "park_kind", "indicator_id", "kind",
                    "title_vi", "title_en", "unit", "derived_from", "target_period",
                    "deadline", "target", "value", "numerator", "denominator", "as_of"]


def opendata_rows(session: Session, *, indicators: list[Indicator], as_of: date,
                  period: str | None) -> list[dict[str, object]]:
    """Each derived indicator at `as_of`, for the province and then each registry park:
    the rows of the open data (``data/opendata-indicators.schema.json``)."""
    places: list[tuple[str | None, str | None, str | None]] = [(None, None, None)]
    places += [(p.id, p.name, p.kind) for p in session.scalars(select(Park).order_by(Park.id))]
    rows: list[dict[str, object]] = []
    for park_id, park_name, park_kind in places:
        facts = ProgressFacts(session, Filters(park=park_id))
        for indicator in indicators:
            target = indicator.target_for(as_of, period)
            kind = indicator.computation.kind
            owner = {"certified_trainees": "trainee", "enterprises_with_certified":
                     "enterprise", "parks_with_certified": "park"}[kind]
            reached = facts.reached_by(set(indicator.computation.course_tags), owner,
                                       [as_of])[0]
            rows.append({
                "scope": "park" if park_id else "province", "park_id": park_id,
                "park_name": park_name, "park_kind": park_kind, "indicator_id": indicator.id,
                "kind": "derived", "title_vi": indicator.title_vi,
                "title_en": indicator.title_en, "unit": indicator.unit,
                "derived_from": indicator.derived_from, "target_period": target.period,
                "deadline": target.deadline.isoformat(), "target": target.target,
                "value": values_at(indicator, facts, [as_of])[0], "numerator": reached,
                "denominator": denominator(indicator, facts), "as_of": as_of.isoformat()})
    return rows
