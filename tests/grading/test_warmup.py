"""After the warm-up, a sandboxed kernel finds every module it loads already compiled."""

from __future__ import annotations

import asyncio
import os

import pytest

from senlab.grading import warmup
from senlab.grading.sandbox import SandboxPolicy

pytestmark = pytest.mark.integration


@pytest.mark.skipif(os.geteuid() != 0, reason="compiles into the virtualenv, which root owns")
def test_a_kernel_started_after_the_warm_up_compiles_nothing() -> None:
    policy = SandboxPolicy(uid=61997)
    warmup._warmed.discard(policy.to_json())
    warmup.compile_kernel_bytecode(policy)

    assert asyncio.run(warmup._uncompiled_in_kernel(policy)) == []
