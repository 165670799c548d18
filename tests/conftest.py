"""Fixtures any package's tests may take: the progress database on SQLite and on PostgreSQL,
and SenLab's messages in English unless a test chooses a language itself. Also the run's
shape under pytest-xdist (``make test`` runs the rest on workers): which tests must run one
at a time, beside them, and the figures those measured, printed at the end.

A test that takes ``database_url`` or ``settings`` runs once on SQLite and once on a
throwaway PostgreSQL server (that run is marked ``postgres``).
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator

import pytest

from senlab.settings import Settings
from tests.figures import FIGURES
from tests.progress.postgres_server import new_database, running_postgres

_database_numbers = itertools.count()

# Rich wraps what the CLI prints at the console's width, 80 columns when output is captured;
# a message that names a file under pytest-xdist's longer temporary paths would be cut
# where a test looks for it. Tests read the CLI's words unwrapped.
os.environ["COLUMNS"] = "160"

# Tests that run a hub as root make the demo users' system accounts (trainee1, …), a
# stack's teardown (`senlab accounts remove --all`) removes every SenLab account on the
# machine, and a stack module's tests build on each other: scripts/run-tests (make test)
# runs these one after another in a pytest of their own, beside the others on workers.
MACHINE_ACCOUNTS = ("tests/stack", "tests/hub/test_accounts_system.py")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Refuse to run them on pytest-xdist workers, where a module's tests may be split."""
    if os.environ.get("PYTEST_XDIST_WORKER"):  # set in each pytest-xdist worker
        where = item.path.relative_to(item.config.rootpath).as_posix()
        if where.startswith(MACHINE_ACCOUNTS):
            pytest.fail(f"{where} makes system accounts and runs one test at a time, not on "
                        "pytest-xdist workers: run it without -n, or run everything with "
                        "scripts/run-tests (make test)", pytrace=False)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """The figures the tests measured, after the results."""
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


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
