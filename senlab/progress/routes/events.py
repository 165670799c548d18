"""``POST /api/events``: a batch of events, acknowledged after a durable commit."""

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.exc import IntegrityError, OperationalError

from senlab.progress.access import require_event_poster
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud.ingest import ingest_batch
from senlab.progress.db import session_scope
from senlab.progress.event_types import BatchResult, EventBatch

router = APIRouter()
ATTEMPTS = 3


@router.post("/api/events", response_model=BatchResult, tags=["events"])
def post_events(batch: EventBatch, identity: CurrentIdentity, request: Request) -> BatchResult:
    """Store a batch of events once each (by id) and apply them; all or nothing."""
    require_event_poster(identity)
    state = request.app.state
    for attempt in range(ATTEMPTS):
        try:
            with state.ingest_lock, session_scope(state.sessions) as session:
                accepted, duplicates = ingest_batch(
                    session, events=batch.events, source=identity.name,
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


def _count(metrics, accepted: int, duplicates: int) -> None:
    metrics.batches.inc()
    metrics.accepted.inc(accepted)
    metrics.duplicates.inc(duplicates)
