"""Fixtures of the progress tests: a migrated app on SQLite and on PostgreSQL, fake identities.

Tests that take ``app`` run once on SQLite and once on PostgreSQL (marked ``postgres``).
"""

from __future__ import annotations

import itertools
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
from senlab.settings import Settings
from tests.progress.postgres_server import new_database, running_postgres

ADMIN = Identity("root", admin=True)
GRADER = Identity("grader", kind="service")
_database_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with running_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'progress.sqlite'}"
    server = request.getfixturevalue("postgres_url")
    return new_database(server, f"test_{next(_database_numbers)}_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(home=tmp_path, database_url=database_url, hub_port=8000)


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
                 labs: dict[str, list[str]] | None = None, pass_percent: float = 50.0,
                 at: str = "2025-11-01T00:00:00Z") -> dict[str, Any]:
    return event("course.published", at, course=course, title=course.upper(), tags=tags,
                 assignments=assignments, pass_percent=pass_percent,
                 labs=[{"id": lab, "checks": checks} for lab, checks in (labs or {}).items()])


def post_events(api: ApiAs, events: list[dict[str, Any]]) -> dict[str, int]:
    response = api(GRADER, "POST", "/api/events", json={"events": events})
    assert response.status_code == 200, response.text
    return response.json()


def in_session(app: FastAPI):
    return session_scope(app.state.sessions)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text)
