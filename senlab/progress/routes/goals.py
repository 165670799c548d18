"""``GET /api/goals``: each indicator's target, actual value, trend and projection."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from senlab.progress import access, schemas
from senlab.progress.auth import CurrentIdentity
from senlab.progress.deps import AsOfQuery, IndicatorsDep, SessionDep
from senlab.progress.goals import Filters, goals_report

router = APIRouter(tags=["goals"])


@router.get("/api/goals", response_model=schemas.GoalsReport)
def goals(identity: CurrentIdentity, session: SessionDep, indicators: IndicatorsDep,
          as_of: AsOfQuery = None,
          period: Annotated[str | None, Query(description="e.g. 2025-2027")] = None,
          park: str | None = None, enterprise: str | None = None,
          course: str | None = None) -> schemas.GoalsReport:
    """The plan's training indicators, filtered by park, enterprise, course and period."""
    if not (identity.sees_everything or identity.is_manager or identity.is_instructor):
        raise access.forbid("read the goals (DOST, managers, instructors and admins only)")
    periods = {t.period for i in indicators for t in i.targets}
    if period is not None and period not in periods:
        raise HTTPException(422, f"period {period!r} is not one of {sorted(periods)}")
    day = as_of or datetime.now(UTC).date()
    return goals_report(session, indicators=indicators, as_of=day, period=period,
                        filters=Filters(park=park, enterprise=enterprise, course=course))
