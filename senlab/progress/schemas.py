"""The API's Pydantic schemas, apart from the SQLAlchemy models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# The database keeps naive UTC times; an answer gives each with its offset (Z), so that it
# is the RFC 3339 date-time the schema promises.
UtcTime = Annotated[datetime, AfterValidator(_utc)]


class Health(BaseModel):
    status: str
    database: str


class GradePublic(BaseModel):
    assignment: str
    score: float
    max_score: float
    recorded_at: UtcTime
    # What the completion rule counts: the score less the points of the hints taken on
    # the assignment's listed checks (never below 0).
    hints: int = 0
    hint_points: float = 0.0
    effective_score: float | None = None


class HintPublic(BaseModel):
    """A hint the trainee took, and the points it costs in this course (0: free)."""

    lab: str
    check: str
    taken_at: UtcTime
    points: float


class CheckPublic(BaseModel):
    lab: str
    check: str
    passed: bool
    checked_at: UtcTime


class BilingualTitle(BaseModel):
    vi: str
    en: str


class ListedCheckPublic(BaseModel):
    """A lab check the course's rule lists (under an assignment's ``checks:``)."""

    assignment: str
    lab: str
    check: str
    title: BilingualTitle


class CourseOfTrainee(BaseModel):
    course: str
    title: str
    enrolled_at: UtcTime
    lab_started_at: UtcTime | None
    score_percent: float | None
    completed_at: UtcTime | None
    certificate_code: str | None
    grades: list[GradePublic]
    checks: list[CheckPublic]
    remaining_checks: list[ListedCheckPublic]  # listed checks still to pass; none once complete
    hints: list[HintPublic] = []  # hints taken on the course's labs
    hint_points: float = 0.0  # the points they cost, over all its assignments


class TraineeProgress(BaseModel):
    username: str
    full_name: str
    enterprise: str | None
    park: str | None
    courses: list[CourseOfTrainee]


class Funnel(BaseModel):
    enrolled: int
    started_lab: int
    passed_check: int
    completed: int


class TraineeInCourse(BaseModel):
    username: str
    enterprise: str | None
    score_percent: float | None
    lab_started_at: UtcTime | None
    completed_at: UtcTime | None


class CourseProgress(BaseModel):
    course: str
    title: str
    funnel: Funnel
    trainees: list[TraineeInCourse]
    total_trainees: int
    limit: int
    offset: int


class CourseFunnel(BaseModel):
    course: str
    title: str
    funnel: Funnel


class TraineeSummary(BaseModel):
    username: str
    full_name: str
    courses_enrolled: int
    courses_completed: int


class EnterpriseProgress(BaseModel):
    enterprise: str
    name: str
    park: str
    courses: list[CourseFunnel]
    trainees: list[TraineeSummary]


class TrendPoint(BaseModel):
    date: date
    value: float


class PeriodTarget(BaseModel):
    period: str
    deadline: date
    target: float


class IndicatorStatus(BaseModel):
    """A training indicator SenLab derives from one of the plan's targets (kind
    ``derived``): not itself a target of the plan."""

    id: str
    kind: Literal["derived"] = "derived"
    title_vi: str
    title_en: str
    section: str
    unit: str
    derivation: str = ""  # how it follows from the plan (Vietnamese)
    derivation_en: str = ""
    derived_from: str | None = None  # the plan target's id
    wording_vi: str = ""  # the plan's exact words for that target, in this period
    target_from: list[str] = []  # the assumptions whose product the target is
    denominator: int | None = None  # a share's: the registry's enterprises or parks
    computation: str
    period: str
    deadline: date
    target: float
    actual: float
    projection: float
    on_track: bool
    trend: list[TrendPoint]
    targets: list[PeriodTarget]


class PlanPeriodTargetPublic(BaseModel):
    period: str
    deadline: date
    section: str
    relation: Literal["reach", "over", "range"]  # "đạt", "trên" (over), "từ a - b"
    target: float
    target_from: float | None  # a range's lower end
    wording_vi: str  # the plan's exact words


class PlanTargetPublic(BaseModel):
    """A target of Kế hoạch 478 itself (kind ``plan``); SenLab does not measure it."""

    id: str
    kind: Literal["plan"] = "plan"
    title_vi: str
    title_en: str
    unit: str
    targets: list[PlanPeriodTargetPublic]


class AssumptionPublic(BaseModel):
    """A number a derived indicator rests on that is not in the plan (DOST may change it)."""

    id: str
    value: float
    unit: str
    wording_vi: str
    wording_en: str


class GoalsReport(BaseModel):
    as_of: date
    filters: dict[str, str | None]
    indicators: list[IndicatorStatus]
    plan_targets: list[PlanTargetPublic] = []
    assumptions: list[AssumptionPublic] = []


class CertificateVerification(BaseModel):
    code: str
    name: str
    course: str
    issued_on: date


class RegistryEnterprise(BaseModel):
    id: str
    name: str
    tax_code: str | None
    trainees: int  # on the roster; 0: nobody enrolled


class RegistryPark(BaseModel):
    id: str
    name: str
    kind: Literal["KCN", "CCN"]
    enterprises: list[RegistryEnterprise]


class CoveragePublic(BaseModel):
    """How much of the registry SenLab reaches."""

    registry: bool  # False: no registry imported yet; the places are the roster's
    parks: int
    parks_without_trainees: int
    enterprises: int
    enterprises_without_trainees: int


class RegistryRevisionPublic(BaseModel):
    made_at: UtcTime
    made_by: str
    what: str
    parks: int
    enterprises: int


class RegistryPublic(BaseModel):
    """The registry of the province's parks and enterprises, enrolled or not."""

    revision: RegistryRevisionPublic | None  # the latest change; None: no registry yet
    coverage: CoveragePublic
    parks: list[RegistryPark]


class RegistryImported(BaseModel):
    parks: int
    enterprises: int
    added: int
    removed: int
    unenrolled_enterprises: int
