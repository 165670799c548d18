"""Grade events: their shape is the progress service's own schema; where they go."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from senlab.courses import load_course
from senlab.grading.events import (
    Outbox,
    course_published_event,
    grade_event,
    progress_url,
    service_token,
)
from senlab.progress.event_types import EventBatch
from senlab.settings import REPO_ROOT, Settings


def test_a_grade_event_is_accepted_by_the_progress_schema() -> None:
    event = grade_event("iot101", "mqtt-telemetry", "trainee1", 4, 6)
    [parsed] = EventBatch.model_validate({"events": [event]}).events
    assert parsed.type == "grade.recorded"
    assert parsed.data == {"course": "iot101", "assignment": "mqtt-telemetry",
                           "trainee": "trainee1", "score": 4.0, "max_score": 6.0}


def test_two_grade_events_have_different_ids() -> None:
    first, second = (grade_event("iot101", "a", "t", 1, 2) for _ in range(2))
    assert first["id"] != second["id"]


def test_a_course_published_event_is_accepted_by_the_progress_schema() -> None:
    course = load_course(REPO_ROOT / "courses" / "iot101")
    event = course_published_event(course, {"iot101-sensors": ["reads-telemetry"]})
    [parsed] = EventBatch.model_validate({"events": [event]}).events
    [lab] = parsed.data["labs"]
    assert (lab["id"], lab["checks"]) == ("iot101-sensors", ["reads-telemetry"])
    assert parsed.data["pass_percent"] == 60


def test_the_progress_url_ignores_the_graders_own_service_prefix(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, hub_service_prefix="/services/grader/", progress_port=9101)
    assert progress_url(settings) == "http://127.0.0.1:9101/services/progress"
    elsewhere = Settings(home=tmp_path, progress_url="http://senlab-progress:8101/services/progress/")
    assert progress_url(elsewhere) == "http://senlab-progress:8101/services/progress"


def test_the_token_is_the_hubs_when_given_else_the_shared_secret(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert service_token(settings) == settings.secret("grader-api-token")
    given = Settings(home=tmp_path, hub_service_token=SecretStr("from-the-hub"))
    assert service_token(given) == "from-the-hub"


def test_the_outbox_keeps_events_until_flushed(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.jsonl")
    events = [grade_event("iot101", "a", "t", 1, 2), grade_event("iot101", "a", "u", 2, 2)]
    outbox.add(events)
    assert outbox.pending() == events
