"""Grades as progress-service events, posted through a durable outbox.

`POST {progress_url}/api/events` with `{"events": [...]}` and the hub service
token of `grader` (`Authorization: token ...`). Each event has a client-made
uuid4 id, so a batch that is posted again after a failure is stored once. Events
wait in `SENLAB_HOME/grading/outbox.jsonl` until the service acknowledges them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from senlab.courses import Course
    from senlab.settings import Settings

SERVICE_NAME = "grader"


class PostError(RuntimeError):
    """The progress service refused or could not take a batch."""


PROGRESS_PREFIX = "/services/progress"


def progress_url(settings: Settings) -> str:
    """The progress service's base URL: `SENLAB_PROGRESS_URL`, or directly on its local port.

    (`hub_service_prefix` is not used: run as a hub service, the grader is given its
    own prefix there.)
    """
    if settings.progress_url:
        return settings.progress_url.rstrip("/")
    return f"http://127.0.0.1:{settings.progress_port}{PROGRESS_PREFIX}"


def service_token(settings: Settings) -> str:
    """The grader's hub API token: the one the hub gave it, or the shared secret file."""
    if settings.hub_service_token is not None:
        return settings.hub_service_token.get_secret_value()
    return settings.secret("grader-api-token")


def grader_outbox(settings: Settings) -> Path:
    """Where events wait until the progress service has taken them."""
    return settings.home / "grading" / "outbox.jsonl"


def _event(kind: str, data: dict, at: datetime | None = None) -> dict:
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "occurred_at": moment.isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def grade_event(
    course: str, assignment: str, trainee: str, score: float, max_score: float,
    at: datetime | None = None,
) -> dict:  # fmt: skip
    """A `grade.recorded` event."""
    data = {
        "course": course, "assignment": assignment, "trainee": trainee,
        "score": float(score), "max_score": float(max_score),
    }  # fmt: skip
    return _event("grade.recorded", data, at)


def course_published_event(course: Course, lab_checks: dict[str, list[str]] | None = None) -> dict:
    """A `course.published` event describing the course for the progress service."""
    labs = sorted({a.lab for a in course.assignments if a.lab})
    data = {
        "course": course.id,
        "title": course.title.en,
        "tags": [course.area.value, course.level.value],
        "assignments": [a.id for a in course.assignments],
        "labs": [{"id": lab, "checks": (lab_checks or {}).get(lab, [])} for lab in labs],
        "pass_percent": course.pass_mark,
    }
    return _event("course.published", data)


def post_events(url: str, token: str, events: list[dict], *, timeout: float = 10.0) -> dict:
    """Post one batch; return the service's answer or raise PostError saying why."""
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/api/events",
            json={"events": events},
            headers={"Authorization": f"token {token}"},
            timeout=timeout,
        )
    except httpx.HTTPError as error:
        raise PostError(f"POST {url}/api/events: {type(error).__name__}: {error}") from error
    if response.status_code >= 300:
        raise PostError(f"POST {url}/api/events: {response.status_code} {response.text[:300]}")
    return response.json()


class Outbox:
    """Events kept on disk until the progress service has acknowledged them."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def add(self, events: list[dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            for event in events:
                handle.write(json.dumps(event) + "\n")

    def pending(self) -> list[dict]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def flush(self, url: str, token: str) -> int:
        """Post what is pending; clear it once acknowledged. Returns how many were sent."""
        events = self.pending()
        if not events:
            return 0
        post_events(url, token, events)
        self.path.unlink()
        return len(events)
