"""The event types other parts of SenLab post to ``POST /api/events``.

Every event has a client-made ``id`` (a UUID, so a retry is recognised), a ``type``,
``occurred_at`` (when it happened, ISO 8601; naive times are UTC) and ``data``:

| type | posted by | data |
| --- | --- | --- |
| ``course.published`` | grader, admin | course, title, tags, assignments, labs, pass_percent |
| ``enrolment.created`` | grader, admin | trainee, course |
| ``grade.recorded`` | grader | course, assignment, trainee, score, max_score |
| ``lab.started`` | fleet | trainee, lab, course (optional when the lab is known) |
| ``lab.check`` | fleet | trainee, lab, check, passed |
| ``lab.evidence`` | fleet | trainee, lab, device, kind, detail (kept in the log only) |
| ``course.completed`` | admin, instructor tools | trainee, course, note |

A later grade or check result replaces an earlier one only if it occurred later, so
events may arrive out of order. A course is completed when every listed assignment is
graded, the total is at least ``pass_percent`` of the maximum, and every check of every
lab of the course has passed; a certificate is issued at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

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
    checks: NotRequired[list[Text]]  # default []


@with_config(_DATA)
class CoursePublished(TypedDict):
    course: Code
    title: NotRequired[Annotated[str, Field(max_length=200)]]  # default ""
    tags: NotRequired[list[Annotated[str, Field(min_length=1, max_length=40)]]]  # default []
    assignments: NotRequired[list[Text]]  # default []
    labs: NotRequired[list[LabDefinition]]  # default []
    pass_percent: NotRequired[Annotated[float, Field(ge=0, le=100)]]  # default 50


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
class CourseCompleted(TypedDict):
    trainee: Name
    course: Code
    note: NotRequired[Annotated[str, Field(max_length=500)]]  # default ""


def _as_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
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


class CourseCompletedEvent(EventIn):
    type: Literal["course.completed"]
    data: CourseCompleted


# Chosen by ``type``, so an error names the event's own type and field
# (``events.3.grade.recorded.data.max_score``).
AnyEvent = Annotated[
    CoursePublishedEvent | EnrolmentCreatedEvent | GradeRecordedEvent | LabStartedEvent
    | LabCheckEvent | LabEvidenceEvent | CourseCompletedEvent,
    Field(discriminator="type"),
]


class EventBatch(BaseModel):
    """A batch of events, stored all together or not at all."""

    model_config = ConfigDict(extra="forbid")
    events: list[AnyEvent] = Field(min_length=1, max_length=10_000)


class BatchResult(BaseModel):
    """Answered only after the batch is durably committed."""

    accepted: int
    duplicates: int
