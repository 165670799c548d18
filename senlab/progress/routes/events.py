"""``POST /api/events``: a batch of events, answered per event after a durable commit."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.exc import IntegrityError, OperationalError

from senlab.events import (
    AnyEvent,
    BatchResult,
    EventBatch,
    EventError,
    EventIn,
    EventList,
    EventStatus,
)
from senlab.progress.access import require_event_poster
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud.ingest import ingest_batch
from senlab.progress.db import session_scope
from senlab.progress.errors import refusals

router = APIRouter()
ATTEMPTS = 3
# The body is parsed and validated in one pass from its raw bytes (pydantic's JSON parser),
# so the route reads it itself; the schema is still published (app.openapi adds EventBatch).
BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/EventBatch"}}}}
_EVENTS: TypeAdapter[list[Any]] = TypeAdapter(list[AnyEvent])


@router.post("/api/events", response_model=BatchResult, tags=["events"],
             openapi_extra={"requestBody": BODY},
             responses={422: {"description": "The body is not a batch of 1 to 10,000 events "
                                             "(each bad event is answered in a 200 instead)"},
                        **refusals(401, 403, 503)})
async def post_events(identity: CurrentIdentity, request: Request) -> BatchResult:
    """Store each event once (by id); answer for each: accepted, duplicate or rejected."""
    require_event_poster(identity)  # before reading a body from anyone else
    events, errors = parse_batch(await request.body())
    return await run_in_threadpool(store_batch, request.app.state, events, errors,
                                   identity.name)


def parse_batch(body: bytes) -> tuple[list[EventIn | None], list[EventError]]:
    """Each event, or None with its errors where it is bad; a 422 if the body is not a
    batch at all, naming each bad field as FastAPI would (``body.events``)."""
    try:
        return list(EventBatch.model_validate_json(body).events), []
    except ValidationError as error:
        details = error.errors(include_url=False)
    # The slow path, only for a batch with a bad event in it: the good ones are validated
    # again from the parsed body, apart from the bad ones.
    if not all(_event_index(detail) is not None for detail in details):
        raise _not_a_batch(body, details)
    raw = EventList.model_validate_json(body).events
    bad = {_event_index(detail) for detail in details}
    good = iter(_EVENTS.validate_python([e for i, e in enumerate(raw) if i not in bad]))
    events = [None if index in bad else next(good) for index in range(len(raw))]
    return events, [_event_error(raw, detail) for detail in details]


def _event_index(detail: ErrorDetails) -> int | None:
    loc = detail["loc"]
    return loc[1] if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int) else None


def _not_a_batch(body: bytes, details: list[ErrorDetails]) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in details],
                                  body=body)


def _event_error(raw: list[Any], detail: ErrorDetails) -> EventError:
    index = _event_index(detail)
    assert index is not None
    sent = raw[index] if isinstance(raw[index], dict) else {}
    return EventError(index=index, id=_text(sent.get("id")), type=_text(sent.get("type")),
                      loc=["body", *detail["loc"]], msg=detail["msg"])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def store_batch(state: Any, events: list[EventIn | None], errors: list[EventError],
                source: str) -> BatchResult:
    good = [item for item in events if item is not None]
    statuses = iter(_ingest(state, good, source) if good else [])
    results: list[EventStatus] = ["rejected" if item is None else next(statuses)
                                  for item in events]
    # Built without validation: every field is made here, and FastAPI checks the answer.
    answer = BatchResult.model_construct(
        accepted=results.count("accepted"), duplicates=results.count("duplicate"),
        rejected=len(results) - len(good), results=results, errors=errors)
    _count(state.metrics, answer)
    return answer


def _ingest(state: Any, events: list[EventIn], source: str) -> list[EventStatus]:
    for attempt in range(ATTEMPTS):
        try:
            with state.ingest_lock, session_scope(state.sessions) as session:
                return ingest_batch(session, events=events, source=source,
                                    received_at=datetime.now(UTC).replace(tzinfo=None))
        except (IntegrityError, OperationalError) as error:
            # Another writer stored some of these ids first (or held the lock): retry,
            # and the retry counts them as duplicates.
            if attempt == ATTEMPTS - 1:
                raise HTTPException(503, f"the batch could not be stored: {error.orig}") \
                    from error
    raise AssertionError("unreachable")


def _count(metrics: Any, answer: BatchResult) -> None:
    metrics.batches.inc()
    metrics.accepted.inc(answer.accepted)
    metrics.duplicates.inc(answer.duplicates)
    metrics.rejected.inc(answer.rejected)
