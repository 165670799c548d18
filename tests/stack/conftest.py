"""Fixtures: one real SenLab stack per test module."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator

import pytest

from tests.stack.harness import Stack, reachable_tmpdir, start_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    tmp = reachable_tmpdir()
    running = start_stack(tmp)
    yield running
    try:
        running.stop()
    except subprocess.TimeoutExpired:
        os.killpg(running.proc.pid, signal.SIGKILL)
    if not os.environ.get("SENLAB_TEST_KEEP_HOME"):  # keep it to read the logs
        shutil.rmtree(tmp, ignore_errors=True)
