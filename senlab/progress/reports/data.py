"""What the semi-annual and annual reports say, computed for a reporting period.

Kế hoạch 478 asks for reports every six months (due 20 June) and every year (due 20
November). A period runs from the day after the previous annual cut-off (21 November of
the year before) to its due date: ``2026H1`` is 21/11/2025–20/06/2026 and ``2026`` is
21/11/2025–20/11/2026. Indicators are taken at the period's last day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from senlab.progress import schemas
from senlab.progress.goals import Filters, Indicator, goals_report
from senlab.progress.models import (
    Certificate,
    Completion,
    Course,
    Enrolment,
    Enterprise,
    Park,
    Trainee,
)

# Written for JSON Schema too: the report route publishes it as the period's pattern.
PERIOD_PATTERN = "^(20[0-9]{2})(H1)?$"
PERIOD = re.compile(PERIOD_PATTERN)


class PeriodError(ValueError):
    """A report period that is not YYYY or YYYYH1."""


@dataclass(frozen=True)
class ReportPeriod:
    label: str
    kind_vi: str
    start: date
    end: date

    @property
    def end_of_day(self) -> datetime:
        return datetime.combine(self.end, time.max)

    @property
    def start_of_day(self) -> datetime:
        return datetime.combine(self.start, time.min)


def parse_period(text: str) -> ReportPeriod:
    """``2026H1`` (semi-annual, due 20 June) or ``2026`` (annual, due 20 November)."""
    match = PERIOD.match(text.strip())
    if match is None:
        raise PeriodError(f"period {text!r} must be a year (2026) or a first half (2026H1)")
    year = int(match[1])
    start = date(year - 1, 11, 21)
    if match[2]:
        return ReportPeriod(text.strip(), "Báo cáo 6 tháng", start, date(year, 6, 20))
    return ReportPeriod(text.strip(), "Báo cáo năm", start, date(year, 11, 20))


@dataclass
class ParkRow:
    park: str
    name: str
    kind: str
    enterprises: int
    enterprises_certified: int
    trainees: int
    enrolments_in_period: int
    completions_in_period: int
    certificates_total: int


@dataclass
class CourseRow:
    course: str
    title: str
    enrolled: int
    started_lab: int
    passed_check: int
    completed: int


@dataclass
class ReportData:
    period: ReportPeriod
    generated_on: date
    goals: schemas.GoalsReport
    parks: list[ParkRow]
    courses: list[CourseRow]


def _count_by_park(session: Session, query) -> dict[str, int]:
    return dict(session.execute(query).all())


def park_rows(session: Session, period: ReportPeriod) -> list[ParkRow]:
    by_trainee = (select(Enterprise.park_id, func.count(func.distinct(Trainee.id)))
                  .join(Trainee, Trainee.enterprise_id == Enterprise.id)
                  .group_by(Enterprise.park_id))
    enterprises = _count_by_park(session, select(Enterprise.park_id, func.count())
                                 .group_by(Enterprise.park_id))
    trainees = _count_by_park(session, by_trainee)
    enrolments = _count_by_park(session, select(Enterprise.park_id, func.count())
                                .join(Trainee, Trainee.enterprise_id == Enterprise.id)
                                .join(Enrolment, Enrolment.trainee_id == Trainee.id)
                                .where(Enrolment.enrolled_at.between(period.start_of_day,
                                                                     period.end_of_day))
                                .group_by(Enterprise.park_id))
    completions = _count_by_park(session, select(Enterprise.park_id, func.count())
                                 .join(Trainee, Trainee.enterprise_id == Enterprise.id)
                                 .join(Completion, Completion.trainee_id == Trainee.id)
                                 .where(Completion.completed_at.between(period.start_of_day,
                                                                        period.end_of_day))
                                 .group_by(Enterprise.park_id))
    # A certificate counts for the enterprise and park where it was earned.
    certified = select(Certificate.park_id, Certificate.enterprise_id, func.count()).where(
        Certificate.issued_at <= period.end_of_day, Certificate.park_id.is_not(None)).group_by(
        Certificate.park_id, Certificate.enterprise_id)
    certified_enterprises: dict[str, int] = {}
    certificates: dict[str, int] = {}
    for park, _enterprise, count in session.execute(certified):
        if park is None:
            continue
        certified_enterprises[park] = certified_enterprises.get(park, 0) + 1
        certificates[park] = certificates.get(park, 0) + count
    return [ParkRow(p.id, p.name, p.kind, enterprises.get(p.id, 0),
                    certified_enterprises.get(p.id, 0), trainees.get(p.id, 0),
                    enrolments.get(p.id, 0), completions.get(p.id, 0), certificates.get(p.id, 0))
            for p in session.scalars(select(Park).order_by(Park.id))]


def course_rows(session: Session, period: ReportPeriod) -> list[CourseRow]:
    """Each course's funnel counting what happened up to the period's end."""
    end = period.end_of_day

    def by(column):
        return func.sum(case((column <= end, 1), else_=0))

    query = (select(Course.id, Course.title,
                    func.count(Enrolment.trainee_id).filter(Enrolment.enrolled_at <= end),
                    by(Enrolment.lab_started_at), by(Enrolment.check_passed_at),
                    by(Enrolment.completed_at))
             .outerjoin(Enrolment, Enrolment.course_id == Course.id)
             .group_by(Course.id, Course.title).order_by(Course.id))
    return [CourseRow(c, t, n or 0, int(s or 0), int(p or 0), int(d or 0))
            for c, t, n, s, p, d in session.execute(query)]


def report_data(session: Session, *, indicators: list[Indicator], period: ReportPeriod
                ) -> ReportData:
    goals = goals_report(session, indicators=indicators, as_of=period.end, period=None,
                         filters=Filters())
    return ReportData(period=period, generated_on=date.today(), goals=goals,
                      parks=park_rows(session, period), courses=course_rows(session, period))
