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
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@+-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabDefinition(_Data):
    id: Code
    title: str = ""
    checks: list[Annotated[str, Field(min_length=1, max_length=100)]] = []


class CoursePublished(_Data):
    course: Code
    title: str = Field("", max_length=200)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] = []
    assignments: list[Annotated[str, Field(min_length=1, max_length=100)]] = []
    labs: list[LabDefinition] = []
    pass_percent: float = Field(50.0, ge=0, le=100)


class EnrolmentCreated(_Data):
    trainee: Name
    course: Code


class GradeRecorded(_Data):
    course: Code
    assignment: str = Field(min_length=1, max_length=100)
    trainee: Name
    score: float = Field(ge=0)
    max_score: float = Field(gt=0)

    @model_validator(mode="after")
    def _score_within_max(self) -> GradeRecorded:
        if self.score > self.max_score:
            raise ValueError(f"score {self.score} is above max_score {self.max_score}")
        return self


class LabStarted(_Data):
    trainee: Name
    lab: Code
    course: Code | None = None


class LabCheck(_Data):
    trainee: Name
    lab: Code
    check: str = Field(min_length=1, max_length=100)
    passed: bool


class LabEvidence(_Data):
    trainee: Name
    lab: Code
    device: str = Field(min_length=1, max_length=100)
    kind: str = Field(min_length=1, max_length=100)
    detail: dict[str, Any] = {}


class CourseCompleted(_Data):
    trainee: Name
    course: Code
    note: str = Field("", max_length=500)


DATA_MODELS: dict[str, type[_Data]] = {
    "course.published": CoursePublished,
    "enrolment.created": EnrolmentCreated,
    "grade.recorded": GradeRecorded,
    "lab.started": LabStarted,
    "lab.check": LabCheck,
    "lab.evidence": LabEvidence,
    "course.completed": CourseCompleted,
}
EventType = Literal[
    "course.published", "enrolment.created", "grade.recorded", "lab.started",
    "lab.check", "lab.evidence", "course.completed",
]


class EventIn(BaseModel):
    """One event as posted; ``data`` is checked against the schema of its ``type``."""

    model_config = ConfigDict(extra="forbid")
    id: UUID
    type: EventType
    occurred_at: datetime
    data: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _as_naive_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    @model_validator(mode="after")
    def _data_matches_type(self) -> EventIn:
        # Validated here (not as a union) so an error names the event's own type.
        self.data = DATA_MODELS[self.type].model_validate(self.data).model_dump()
        return self


class EventBatch(BaseModel):
    """A batch of events, stored all together or not at all."""

    model_config = ConfigDict(extra="forbid")
    events: list[EventIn] = Field(min_length=1, max_length=10_000)


class BatchResult(BaseModel):
    """Answered only after the batch is durably committed."""

    accepted: int
    duplicates: int
