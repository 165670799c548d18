"""The grader's events: their shape is the progress service's own schema; where they wait."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from senlab.courses import load_course
from senlab.courses.labs import completion_rule
from senlab.events import EventBatch, course_published
from senlab.events import grade_recorded as grade_event
from senlab.grading.events import grader_poster, grader_spool, progress_url, service_token
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
    folder = REPO_ROOT / "courses" / "iot101"
    course = load_course(folder)
    rule = completion_rule(course, REPO_ROOT / "labs", folder / "course.yaml")
    event = course_published(course, rule)
    [parsed] = EventBatch.model_validate({"events": [event]}).events
    assert parsed.data["labs"] == [{"id": "iot101-sensors"}]
    rule = parsed.data["rule"]
    assert rule.pass_marks == {"mqtt-telemetry": 60} and rule.min_average == 60
    assert [(c.lab, c.check) for c in rule.checks] == [
        ("iot101-sensors", "ping-station"), ("iot101-sensors", "slow-down-air")]


def test_a_grade_that_does_not_fit_the_schema_is_refused_where_it_is_built() -> None:
    with pytest.raises(ValidationError, match="max_score"):
        grade_event("iot101", "mqtt-telemetry", "trainee1", 1, 0)


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


def test_the_graders_events_wait_in_its_spool_under_senlab_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    spool = grader_spool(settings)
    events = [grade_event("iot101", "a", "t", 1, 2), grade_event("iot101", "a", "u", 2, 2)]
    spool.add(events)
    assert spool.folder == tmp_path / "spool" / "grader"
    assert spool.pending() == events


def test_the_grader_posts_to_the_services_events_route_with_its_token(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, progress_port=9101)
    poster = grader_poster(settings, token="grader-secret")
    assert poster.url == "http://127.0.0.1:9101/services/progress/api/events"
    assert poster._headers == {"Authorization": "token grader-secret"}
