"""Figures that tests measure (fuzz requests per role, recovery times), printed after the
results: a test appends lines to ``config.stash[FIGURES]``; with pytest-xdist each worker
sends its lines to the controller, which prints them all (tests/conftest.py)."""

from __future__ import annotations

import pytest

FIGURES = pytest.StashKey[list[str]]()


def record(config: pytest.Config, *lines: str) -> None:
    config.stash.setdefault(FIGURES, []).extend(lines)
