"""Figures that tests measure (fuzz requests per role, recovery times), printed after the
results: a test appends lines to ``config.stash[FIGURES]``, and tests/conftest.py prints
them. The tests that measure them run in the one-at-a-time pytest (scripts/run-tests),
never on xdist workers."""

from __future__ import annotations

import pytest

FIGURES = pytest.StashKey[list[str]]()


def record(config: pytest.Config, *lines: str) -> None:
    config.stash.setdefault(FIGURES, []).extend(lines)
