"""xAPI statements for the province's data platform, and Prometheus metrics."""

from __future__ import annotations

import uuid

import jsonschema
import pytest

from tests.progress.conftest import ADMIN, GRADER, event, post_events
from tests.progress.world import build_world

# The parts of the xAPI 1.0.3 statement every learning record store checks.
STATEMENT_SCHEMA = {
    "type": "object",
    "required": ["id", "actor", "verb", "object", "timestamp"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "actor": {"type": "object", "required": ["objectType", "account"], "properties": {
            "account": {"type": "object", "required": ["homePage", "name"]}}},
        "verb": {"type": "object", "required": ["id", "display"]},
        "object": {"type": "object", "required": ["id", "objectType"]},
        "result": {"type": "object", "properties": {"score": {
            "type": "object", "properties": {"scaled": {"minimum": -1, "maximum": 1}}}}},
        "timestamp": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"},
    },
}


@pytest.fixture
def world(app, api):
    return build_world(app, api)


def test_each_grade_and_completion_becomes_one_statement(api, world):
    body = api(ADMIN, "GET", "/api/xapi/statements").json()
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in body["statements"])
    assert verbs == ["completed", "scored"]
    for statement in body["statements"]:
        jsonschema.validate(statement, STATEMENT_SCHEMA)
        uuid.UUID(statement["id"])
    scored = next(s for s in body["statements"] if s["verb"]["id"].endswith("scored"))
    assert scored["actor"]["account"] == {"homePage": "http://127.0.0.1:8000", "name": "an"}
    assert scored["result"]["score"] == {"raw": 9.0, "min": 0, "max": 10.0, "scaled": 0.9}
    assert body["more"] is False


def test_exporting_twice_gives_the_same_statement_ids(api, world):
    first = api(ADMIN, "GET", "/api/xapi/statements").json()["statements"]
    second = api(ADMIN, "GET", "/api/xapi/statements").json()["statements"]
    assert [s["id"] for s in first] == [s["id"] for s in second]


def test_statements_page_by_time(api, world):
    post_events(api, [event("grade.recorded", f"2026-05-0{n}T00:00:00Z", trainee="binh",
                            course="iot101", assignment=f"x{n}", score=1, max_score=2)
                      for n in range(1, 4)])
    page = api(ADMIN, "GET", "/api/xapi/statements", params={"limit": 2}).json()
    assert len(page["statements"]) == 2 and page["more"] is True
    later = api(ADMIN, "GET", "/api/xapi/statements",
                params={"since": "2026-05-02T00:00:00Z"}).json()
    assert [s["timestamp"][:10] for s in later["statements"]] == ["2026-05-02", "2026-05-03"]


def test_metrics_are_prometheus_text_with_totals_and_ingest_counts(api, world):
    response = api(GRADER, "GET", "/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "senlab_progress_trainees 2.0" in lines
    assert "senlab_progress_certificates 1.0" in lines
    assert 'senlab_progress_stored_events{type="grade.recorded"} 1.0' in lines
    assert "senlab_progress_events_accepted_total 6.0" in lines
