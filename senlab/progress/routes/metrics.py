"""``GET /metrics``: Prometheus text format, for admins, DOST and hub services."""

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from senlab.progress import access
from senlab.progress.auth import CurrentIdentity
from senlab.progress.errors import refusals

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=PlainTextResponse, responses=refusals(401, 403))
def metrics(identity: CurrentIdentity, request: Request) -> PlainTextResponse:
    """The service's metrics in Prometheus' text format."""
    if not (identity.sees_everything or identity.is_service):
        raise access.forbid("read the metrics (admins, DOST and hub services only)")
    body = generate_latest(request.app.state.metrics.registry)
    return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)
