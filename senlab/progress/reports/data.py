"""What the semi-annual and annual reports say, computed for a reporting period.

A period and its data cut-off (ngày chốt số liệu) follow one of two rules, chosen by DOST
(``rule``, default ``nd09``):

``nd09``: Decree 09/2019/NĐ-CP on the reporting regime of state administrative agencies,
    Article 12 (Thời gian chốt số liệu báo cáo). Its cut-offs, as the State Bank's Circular
    09/2019/TT-NHNN restates them (luatvietnam.vn, "Phải nộp báo cáo định kỳ sau 01 ngày
    chốt số liệu"): "Báo cáo định kỳ 06 tháng: 06 tháng đầu năm tính từ ngày 15/12 năm
    trước kỳ báo cáo đến ngày 14/6 của kỳ báo cáo"; "Báo cáo định kỳ hàng năm: Tính từ
    ngày 15/12 năm trước kỳ báo cáo đến ngày 14/12 của kỳ báo cáo". ``2026H1`` is
    15/12/2025–14/06/2026 (six months) and ``2026`` is 15/12/2025–14/12/2026 (twelve).
``kh478``: the dates of Kế hoạch 478/KH-UBND, section VI.6 (the carriers report to DOST
    "theo 6 tháng (ngày 20/6) và hằng năm (ngày 20/11)"), taken as cut-offs: ``2026H1`` is
    the six months 21/12/2025–20/06/2026 and ``2026`` the twelve months
    21/11/2025–20/11/2026. The plan's 20/11 comes before the decree's 14/12 cut-off, so an
    annual report due on 20/11 cannot follow the decree: DOST chooses.

Every report says which rule it follows. Indicators are taken at the cut-off (cumulative,
lũy kế); enrolments and completions are counted within the period (trong kỳ). Plan 478
runs 2025–2030: a period outside those years is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
from senlab.progress.reports.document import Document

# Written for JSON Schema too: the report route publishes it as the period's pattern, so
# the API refuses a year outside Plan 478 (2025-2030) before any code runs.
PERIOD_PATTERN = "^20(2[5-9]|30)(H1)?$"
PERIOD = re.compile(r"^(\d{4})(H1)?$")
FIRST_YEAR, LAST_YEAR = 2025, 2030
RULES = ("nd09", "kh478")
DEFAULT_RULE = "nd09"
RULE_TEXT_VI = {
    "nd09": "Thời gian chốt số liệu theo Điều 12 Nghị định số 09/2019/NĐ-CP ngày 24/01/2019 "
            "của Chính phủ quy định chế độ báo cáo của cơ quan hành chính nhà nước",
    "kh478": "Thời gian chốt số liệu theo ngày báo cáo tại Mục VI.6 Kế hoạch số 478/KH-UBND "
             "(6 tháng: ngày 20/6; hằng năm: ngày 20/11)",
}


class PeriodError(ValueError):
    """A report period that is malformed, outside Plan 478's years, or an unknown rule;
    `parameter` names which (``period`` or ``rule``), and so does the message."""

    def __init__(self, parameter: str, message: str, problem: str = "malformed") -> None:
        super().__init__(message)
        self.parameter = parameter
        self.problem = problem  # "malformed", "outside" (the plan's years) or "unknown"


@dataclass(frozen=True)
class ReportPeriod:
    label: str
    kind_vi: str
    start: date
    end: date
    rule: str = DEFAULT_RULE
    half: bool = False

    @property
    def cutoff(self) -> date:
        """The data cut-off date (ngày chốt số liệu): the period's last day."""
        return self.end

    @property
    def rule_vi(self) -> str:
        return RULE_TEXT_VI[self.rule]

    @property
    def name_vi(self) -> str:
        """`6 tháng đầu năm 2026` or `năm 2026`, as the summary line says it."""
        year = self.end.year
        return f"6 tháng đầu năm {year}" if self.half else f"năm {year}"

    @property
    def end_of_day(self) -> datetime:
        return datetime.combine(self.end, time.max)

    @property
    def start_of_day(self) -> datetime:
        return datetime.combine(self.start, time.min)


def parse_period(text: str, rule: str = DEFAULT_RULE) -> ReportPeriod:
    """``2026H1`` (6 months) or ``2026`` (the year), its dates under `rule` (nd09, kh478).

    PeriodError naming ``period`` when it is malformed or outside 2025-2030, naming ``rule``
    when the rule is unknown."""
    if rule not in RULES:
        raise PeriodError("rule", f"rule {rule!r} must be one of {', '.join(RULES)}",
                          "unknown")
    match = PERIOD.match(text)
    if match is None:
        raise PeriodError("period",
                          f"period {text!r} must be a year (2026) or its first half (2026H1)")
    year = int(match[1])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError("period", f"period {text!r} is outside Plan 478/KH-UBND, which "
                          f"runs {FIRST_YEAR}-{LAST_YEAR}", "outside")
    half = bool(match[2])
    kind = "Báo cáo 6 tháng" if half else "Báo cáo năm"
    if rule == "nd09":
        start = date(year - 1, 12, 15)
        end = date(year, 6, 14) if half else date(year, 12, 14)
    else:
        start = date(year - 1, 12, 21) if half else date(year - 1, 11, 21)
        end = date(year, 6, 20) if half else date(year, 11, 20)
    return ReportPeriod(text, kind, start, end, rule, half)


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


@dataclass(frozen=True)
class IndicatorNote:
    """What the report says of an indicator beside its numbers: whether it is one of the
    plan's own targets or a training indicator SenLab derives from one, and how."""

    kind: str  # "plan" or "derived"
    wording_vi: str
    derivation: str


@dataclass
class ReportData:
    period: ReportPeriod
    generated_on: date
    goals: schemas.GoalsReport
    parks: list[ParkRow]
    courses: list[CourseRow]
    notes: dict[str, IndicatorNote] = field(default_factory=dict)
    document: Document | None = None


def indicator_notes(indicators: list[Indicator]) -> dict[str, IndicatorNote]:
    # `kind` and `wording_vi` are read when the indicators have them; until then every
    # indicator of goals.yaml is a training indicator derived from the plan.
    return {i.id: IndicatorNote(kind=str(getattr(i, "kind", None) or "derived"),
                                wording_vi=str(getattr(i, "wording_vi", None) or ""),
                                derivation=i.derivation.strip())
            for i in indicators}


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


def report_data(session: Session, *, indicators: list[Indicator], period: ReportPeriod,
                document: Document | None = None) -> ReportData:
    goals = goals_report(session, indicators=indicators, as_of=period.end, period=None,
                         filters=Filters())
    return ReportData(period=period, generated_on=date.today(), goals=goals,
                      parks=park_rows(session, period), courses=course_rows(session, period),
                      notes=indicator_notes(indicators), document=document)
