"""Fixtures: one real SenLab stack per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stack.fuzz import FIGURES
from tests.stack.harness import Stack, running_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


def pytest_terminal_summary(terminalreporter, config) -> None:
    """The figures the stack tests measured (fuzz requests per role, recovery times), printed
    after the results."""
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
