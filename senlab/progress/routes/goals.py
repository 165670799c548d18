"""``GET /api/goals``: each indicator's target, actual value, trend and projection."""

from datetime import UTC, datetime

from fastapi import APIRouter

from senlab.progress import access, schemas
from senlab.progress.auth import CurrentIdentity
from senlab.progress.deps import AsOfQuery, FilterQuery, IndicatorsDep, SessionDep, TargetPeriod
from senlab.progress.errors import refusals
from senlab.progress.goals import Filters, goals_report

router = APIRouter(tags=["goals"])


@router.get("/api/goals", response_model=schemas.GoalsReport, responses=refusals(401, 403))
def goals(identity: CurrentIdentity, session: SessionDep, indicators: IndicatorsDep,
          period: TargetPeriod, as_of: AsOfQuery = None, park: FilterQuery = None,
          enterprise: FilterQuery = None, course: FilterQuery = None) -> schemas.GoalsReport:
    """The plan's training indicators, filtered by park, enterprise, course and period."""
    if not (identity.sees_everything or identity.is_manager or identity.is_instructor):
        raise access.forbid("read the goals (DOST, managers, instructors and admins only)")
    day = as_of or datetime.now(UTC).date()
    return goals_report(session, indicators=indicators, as_of=day, period=period,
                        filters=Filters(park=park or None, enterprise=enterprise or None,
                                        course=course or None))
