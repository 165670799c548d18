"""The events SenLab posts to the progress service (`POST /api/events`), and their builders.

Every event has a client-made ``id`` (a UUID, so a retry is recognised), a ``type``,
``occurred_at`` (when it happened, ISO 8601; naive times are UTC) and ``data``:

| type | posted by | data |
| --- | --- | --- |
| ``course.published`` | grader, admin | course, title, tags, labs, rule |
| ``enrolment.created`` | grader, admin | trainee, course |
| ``grade.recorded`` | grader | course, assignment, trainee, score, max_score |
| ``lab.started`` | fleet | trainee, lab, course (optional when the lab is known) |
| ``lab.check`` | fleet | trainee, lab, check, passed |
| ``lab.evidence`` | fleet | trainee, lab, device, kind, detail (kept in the log only) |
| ``hint.taken`` | fleet | trainee, lab, check |
| ``course.completed`` | admin, instructor tools | trainee, course, note |

A later grade or check result replaces an earlier one only if it occurred later, so
events may arrive out of order. ``rule`` is the course's completion rule as its
course.yaml states it (``senlab.courses.CompletionRule``: each assignment's pass mark,
the required assignments, the least average, the lab checks the assignments list, with
their titles); the service completes a course and issues its certificate as soon as that
rule is met, and never takes a completion back.

``hint.taken`` says the trainee was given the hint of a lab check. The service counts a
hint once per trainee, lab and check however often it is asked for (the earliest time is
kept); what it costs is the rule's ``hint_costs``, applied by the rule.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict

from senlab.courses import CompletionRule, Course

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@+-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=100)]

# The data of each type is a TypedDict, not a model: validated in pydantic's core and
# handed on as the plain dict the crud functions read, with no Python call per event.
# Optional keys are absent when not sent; readers use ``.get`` with the default given here.
_DATA = ConfigDict(extra="forbid")


@with_config(_DATA)
class LabDefinition(TypedDict):
    id: Code
    title: NotRequired[str]  # default ""


@with_config(_DATA)
class CoursePublished(TypedDict):
    course: Code
    title: NotRequired[Annotated[str, Field(max_length=200)]]  # default ""
    tags: NotRequired[list[Annotated[str, Field(min_length=1, max_length=40)]]]  # default []
    labs: NotRequired[list[LabDefinition]]  # default []
    rule: NotRequired[CompletionRule]  # without one, the course completes only by hand


@with_config(_DATA)
class EnrolmentCreated(TypedDict):
    trainee: Name
    course: Code


@with_config(_DATA)
class GradeRecorded(TypedDict):
    course: Code
    assignment: Text
    trainee: Name
    score: Annotated[float, Field(ge=0)]
    max_score: Annotated[float, Field(gt=0)]


def _score_within_max(data: GradeRecorded) -> GradeRecorded:
    if data["score"] > data["max_score"]:
        raise ValueError(f"score {data['score']} is above max_score {data['max_score']}")
    return data


@with_config(_DATA)
class LabStarted(TypedDict):
    trainee: Name
    lab: Code
    course: NotRequired[Code | None]  # optional when the lab is known


@with_config(_DATA)
class LabCheck(TypedDict):
    trainee: Name
    lab: Code
    check: Text
    passed: bool


@with_config(_DATA)
class LabEvidence(TypedDict):
    trainee: Name
    lab: Code
    device: Text
    kind: Text
    detail: NotRequired[dict[str, Any]]  # default {}


@with_config(_DATA)
class HintTaken(TypedDict):
    trainee: Name
    lab: Code
    check: Code


@with_config(_DATA)
class CourseCompleted(TypedDict):
    trainee: Name
    course: Code
    note: NotRequired[Annotated[str, Field(max_length=500)]]  # default ""


def _as_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:01+02:00 is before year 1 in UTC
            raise ValueError(f"{value.isoformat()} is outside the years 1 to 9999 "
                             "once taken to UTC") from None
    return value


class EventIn(BaseModel):
    """One event as posted; each type below fixes the schema of its ``data``."""

    model_config = ConfigDict(extra="forbid")
    id: UUID
    type: str
    occurred_at: Annotated[datetime, AfterValidator(_as_naive_utc)]
    data: Any


class CoursePublishedEvent(EventIn):
    type: Literal["course.published"]
    data: CoursePublished


class EnrolmentCreatedEvent(EventIn):
    type: Literal["enrolment.created"]
    data: EnrolmentCreated


class GradeRecordedEvent(EventIn):
    type: Literal["grade.recorded"]
    data: Annotated[GradeRecorded, AfterValidator(_score_within_max)]


class LabStartedEvent(EventIn):
    type: Literal["lab.started"]
    data: LabStarted


class LabCheckEvent(EventIn):
    type: Literal["lab.check"]
    data: LabCheck


class LabEvidenceEvent(EventIn):
    type: Literal["lab.evidence"]
    data: LabEvidence


class HintTakenEvent(EventIn):
    type: Literal["hint.taken"]
    data: HintTaken


class CourseCompletedEvent(EventIn):
    type: Literal["course.completed"]
    data: CourseCompleted


# Chosen by ``type``, so an error names the event's own type and field
# (``events.3.grade.recorded.data.max_score``).
AnyEvent = Annotated[
    CoursePublishedEvent | EnrolmentCreatedEvent | GradeRecordedEvent | LabStartedEvent
    | LabCheckEvent | LabEvidenceEvent | HintTakenEvent | CourseCompletedEvent,
    Field(discriminator="type"),
]


MAX_BATCH = 10_000


class EventBatch(BaseModel):
    """A batch of events: each is stored once (by id) or rejected on its own."""

    model_config = ConfigDict(extra="forbid")
    events: list[AnyEvent] = Field(min_length=1, max_length=MAX_BATCH)


class EventList(BaseModel):
    """A body that is a batch, whatever its events hold: what the service answers per
    event for, rather than refusing it whole."""

    model_config = ConfigDict(extra="forbid")
    events: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


EventStatus = Literal["accepted", "duplicate", "rejected"]


class EventError(BaseModel):
    """Why one event was rejected: one field of it, named as a 422 would name it."""

    index: int = Field(description="The event's place in the batch, from 0.")
    id: str | None = Field(description="The event's id as sent, if it sent one.")
    type: str | None = Field(description="The event's type as sent, if it sent one.")
    loc: list[str | int] = Field(
        description="The field: body, events, index, type, then the path inside it.")
    msg: str


class BatchResult(BaseModel):
    """The answer for each event of a batch, given once the accepted ones are committed.

    ``results[i]`` is the fate of ``events[i]``: ``accepted`` (stored now), ``duplicate``
    (stored before, or earlier in this batch: not stored twice) or ``rejected`` (not
    stored; ``errors`` says why, one entry per bad field). A producer removes accepted and
    duplicate events from its spool and sets rejected ones aside: sent again unchanged,
    they would be rejected again.
    """

    accepted: int
    duplicates: int
    rejected: int
    results: list[EventStatus]
    errors: list[EventError]


# How to build them: every producer in SenLab calls these, so what it posts is checked
# against the very schema the service validates with before it leaves the producer.
_ANY_EVENT: TypeAdapter[Any] = TypeAdapter(AnyEvent)


def make_event(kind: str, data: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """An event of type `kind`, ready to post: a new id, `at` (now if None) in UTC.

    Raises pydantic's ValidationError, naming the type and the field, if `data` does not
    fit the type.
    """
    moment = (at or datetime.now(UTC))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    event = {"id": str(uuid.uuid4()), "type": kind,
             "occurred_at": moment.isoformat().replace("+00:00", "Z"), "data": data}
    _ANY_EVENT.validate_python(event)
    return event


def course_published(course: Course, rule: CompletionRule,
                     at: datetime | None = None) -> dict[str, Any]:
    """``course.published``: the course, its labs, and its completion rule
    (``senlab.courses.labs.completion_rule`` makes it from course.yaml and the lab files)."""
    labs = sorted({a.lab for a in course.assignments if a.lab})
    return make_event("course.published", {
        "course": course.id, "title": course.title.en,
        "tags": [course.area.value, course.level.value],
        "labs": [{"id": lab} for lab in labs], "rule": rule.model_dump(mode="json"),
    }, at)


def enrolment_created(trainee: str, course: str, at: datetime | None = None) -> dict[str, Any]:
    return make_event("enrolment.created", {"trainee": trainee, "course": course}, at)


def grade_recorded(course: str, assignment: str, trainee: str, score: float,
                   max_score: float, at: datetime | None = None) -> dict[str, Any]:
    return make_event("grade.recorded", {
        "course": course, "assignment": assignment, "trainee": trainee,
        "score": float(score), "max_score": float(max_score)}, at)


def lab_started(trainee: str, lab: str, course: str | None = None,
                at: datetime | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"trainee": trainee, "lab": lab}
    if course is not None:
        data["course"] = course
    return make_event("lab.started", data, at)


def lab_check(trainee: str, lab: str, check: str, passed: bool,
              at: datetime | None = None) -> dict[str, Any]:
    return make_event("lab.check", {"trainee": trainee, "lab": lab, "check": check,
                                    "passed": passed}, at)


def lab_evidence(trainee: str, lab: str, device: str, kind: str,
                 detail: dict[str, Any] | None = None,
                 at: datetime | None = None) -> dict[str, Any]:
    return make_event("lab.evidence", {"trainee": trainee, "lab": lab, "device": device,
                                       "kind": kind, "detail": detail or {}}, at)


def hint_taken(trainee: str, lab: str, check: str,
               at: datetime | None = None) -> dict[str, Any]:
    """``hint.taken``: `trainee` was given the hint of `check` in `lab`."""
    return make_event("hint.taken", {"trainee": trainee, "lab": lab, "check": check}, at)


def course_completed(trainee: str, course: str, note: str = "",
                     at: datetime | None = None) -> dict[str, Any]:
    return make_event("course.completed", {"trainee": trainee, "course": course,
                                           "note": note}, at)
