"""Fixtures of the progress tests: a migrated app on SQLite and on PostgreSQL, fake identities.

Tests that take ``app`` run once on SQLite and once on PostgreSQL (marked ``postgres``): the
``settings`` it is built from come from ``tests/conftest.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from senlab.progress.app import create_app
from senlab.progress.auth import browser_identity, current_identity
from senlab.progress.db import session_scope
from senlab.progress.identity import Identity

ADMIN = Identity("root", admin=True)
GRADER = Identity("grader", kind="service")


@pytest.fixture
def app(settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


class ApiAs:
    """A test client that calls the app as a given hub identity (or as nobody)."""

    def __init__(self, app: FastAPI):
        self.app = app
        self.client = TestClient(app)
        self.prefix = app.state.settings.hub_service_prefix.rstrip("/")

    def __call__(self, identity: Identity | None, method: str, path: str, **kwargs: Any):
        overrides = self.app.dependency_overrides
        overrides.clear()
        if identity is not None:
            overrides[current_identity] = lambda: identity
            overrides[browser_identity] = lambda: identity
        try:
            return self.client.request(method, self.prefix + path, **kwargs)
        finally:
            overrides.clear()


@pytest.fixture
def api(app) -> ApiAs:
    return ApiAs(app)


def event(kind: str, at: str, /, **data: Any) -> dict[str, Any]:
    """An event with a fresh id, occurring at `at` (ISO 8601, UTC)."""
    return {"id": str(uuid.uuid4()), "type": kind, "occurred_at": at, "data": data}


def course_event(course: str, *, tags: list[str], assignments: list[str],
                 pass_mark: float = 50.0, pass_marks: dict[str, float] | None = None,
                 required: list[str] | None = None, min_average: float = 0.0,
                 checks: dict[str, tuple[str, list[str]]] | None = None,
                 at: str = "2025-11-01T00:00:00Z") -> dict[str, Any]:
    """A course.published event and its completion rule, as course.yaml would give it.

    `pass_marks` overrides the course's `pass_mark` per assignment; `required` is all the
    assignments unless given; `checks` maps an assignment to (its lab, the checks it lists).
    """
    listed = [{"assignment": a, "lab": lab, "check": c,
               "title": {"vi": f"Kiểm tra {c}", "en": f"Check {c}"}}
              for a, (lab, ids) in (checks or {}).items() for c in ids]
    rule = {"pass_marks": {a: (pass_marks or {}).get(a, pass_mark) for a in assignments},
            "required": assignments if required is None else required,
            "min_average": min_average, "checks": listed}
    labs = sorted({lab for lab, _ in (checks or {}).values()})
    return event("course.published", at, course=course, title=course.upper(), tags=tags,
                 labs=[{"id": lab} for lab in labs], rule=rule)


def post_events(api: ApiAs, events: list[dict[str, Any]]) -> dict[str, int]:
    response = api(GRADER, "POST", "/api/events", json={"events": events})
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 0, response.text
    return response.json()


def in_session(app: FastAPI):
    return session_scope(app.state.sessions)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text)
