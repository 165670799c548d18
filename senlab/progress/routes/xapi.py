"""``GET /api/xapi/statements``: completions and grades as xAPI, for DOST and admins."""

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Query

from senlab.progress import access
from senlab.progress.auth import CurrentIdentity
from senlab.progress.deps import SessionDep, SettingsDep, SinceQuery
from senlab.progress.errors import refusals
from senlab.progress.xapi import statements

router = APIRouter(tags=["export"])


@router.get("/api/xapi/statements", responses=refusals(401, 403))
def xapi_statements(identity: CurrentIdentity, session: SessionDep, settings: SettingsDep,
                    since: SinceQuery = None,
                    limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> dict[str, Any]:
    """xAPI statements from `since` on, oldest first; page by the last timestamp."""
    access.require_province_reader(identity, "export xAPI statements (DOST and admins only)")
    if since is not None:  # stored times are naive UTC
        since = since.astimezone(UTC).replace(tzinfo=None)
    found, more = statements(session, base_url=settings.hub_url, since=since, limit=limit)
    return {"statements": found, "more": more}
