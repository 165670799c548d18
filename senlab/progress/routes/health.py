"""``GET /api/health``: answers without auth, so the hub and probes can check it."""

from fastapi import APIRouter
from sqlalchemy import text

from senlab.progress.deps import SessionDep
from senlab.progress.schemas import Health

router = APIRouter()


@router.get("/api/health", response_model=Health, tags=["health"])
def health(session: SessionDep) -> Health:
    """Whether the service runs and its database answers."""
    session.execute(text("SELECT 1"))
    return Health(status="ok", database=session.get_bind().dialect.name)
