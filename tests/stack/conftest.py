"""Fixtures: one real SenLab stack per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stack.harness import Stack, running_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running

