"""``POST /api/events``: a batch of events, acknowledged after a durable commit."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from senlab.progress.access import require_event_poster
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud.ingest import ingest_batch
from senlab.progress.db import session_scope
from senlab.progress.event_types import BatchResult, EventBatch

router = APIRouter()
ATTEMPTS = 3
# The body is parsed and validated in one pass from its raw bytes (pydantic's JSON parser),
# so the route reads it itself; the schema is still published (app.openapi adds EventBatch).
BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/EventBatch"}}}}


@router.post("/api/events", response_model=BatchResult, tags=["events"],
             openapi_extra={"requestBody": BODY})
async def post_events(identity: CurrentIdentity, request: Request) -> BatchResult:
    """Store a batch of events once each (by id) and apply them; all or nothing."""
    require_event_poster(identity)  # before reading a body from anyone else
    batch = parse_batch(await request.body())
    return await run_in_threadpool(store_batch, request.app.state, batch, identity.name)


def parse_batch(body: bytes) -> EventBatch:
    """The batch, or a 422 naming each bad field as FastAPI would (``body.events.3...``)."""
    try:
        return EventBatch.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)],
            body=body) from None


def store_batch(state: Any, batch: EventBatch, source: str) -> BatchResult:
    for attempt in range(ATTEMPTS):
        try:
            with state.ingest_lock, session_scope(state.sessions) as session:
                accepted, duplicates = ingest_batch(
                    session, events=batch.events, source=source,
                    received_at=datetime.now(UTC).replace(tzinfo=None))
            _count(state.metrics, accepted, duplicates)
            return BatchResult(accepted=accepted, duplicates=duplicates)
        except (IntegrityError, OperationalError) as error:
            # Another writer stored some of these ids first (or held the lock): retry,
            # and the retry counts them as duplicates.
            if attempt == ATTEMPTS - 1:
                raise HTTPException(503, f"the batch could not be stored: {error.orig}") \
                    from error
    raise AssertionError("unreachable")


def _count(metrics: Any, accepted: int, duplicates: int) -> None:
    metrics.batches.inc()
    metrics.accepted.inc(accepted)
    metrics.duplicates.inc(duplicates)
