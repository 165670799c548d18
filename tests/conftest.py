"""Fixtures any package's tests may take: the progress database on SQLite and on PostgreSQL,
and SenLab's messages in English unless a test chooses a language itself.

A test that takes ``database_url`` or ``settings`` runs once on SQLite and once on a
throwaway PostgreSQL server (that run is marked ``postgres``).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest

from senlab.settings import Settings
from tests.progress.postgres_server import new_database, running_postgres

_database_numbers = itertools.count()


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """Tests read SenLab's English messages unless they choose a language themselves (the
    product's default, when nothing names a language, is Vietnamese)."""
    for name in ("LC_ALL", "LC_MESSAGES", "SENLAB_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


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
