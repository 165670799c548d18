"""Compile the bytecode a sandboxed kernel would otherwise compile at every start.

The sandbox sees the virtualenv read-only, so a module that has no cached bytecode
yet is compiled from source by every kernel, every time (ipykernel's debugger
alone brings in about 150 such modules). One kernel is started, asked which of its
modules came without bytecode, and the grader compiles those into the virtualenv.
No student code is involved: the kernel runs only the listing below.
"""

from __future__ import annotations

import asyncio
import json
import logging
import py_compile
import tempfile
from importlib.util import cache_from_source
from pathlib import Path

from senlab.grading.kernel import SandboxKernelManager
from senlab.grading.sandbox import SandboxPolicy, python_dirs

log = logging.getLogger("senlab.grading")

LIST_UNCOMPILED = """
import importlib.util, json, os, sys
print(json.dumps(sorted(
    m.__file__ for m in list(sys.modules.values())
    if getattr(m, "__file__", None) and m.__file__.endswith(".py")
    and not os.path.exists(importlib.util.cache_from_source(m.__file__))
)))
"""

_warmed: set[str] = set()


async def _uncompiled_in_kernel(policy: SandboxPolicy) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="senlab-warmup-") as empty:
        km = SandboxKernelManager(policy_json=policy.to_json())
        await km.start_kernel(cwd=empty, extra_arguments=["--HistoryManager.hist_file=:memory:"])
        client = km.client()
        client.start_channels()
        chunks: list[str] = []
        try:
            await client.wait_for_ready(timeout=60)
            await client.execute_interactive(
                LIST_UNCOMPILED, timeout=60,
                output_hook=lambda msg: chunks.append(msg["content"].get("text", "")),
            )  # fmt: skip
        finally:
            client.stop_channels()
            await km.shutdown_kernel(now=True)
    return json.loads("".join(chunks) or "[]")


def compile_kernel_bytecode(policy: SandboxPolicy) -> int:
    """Once per process: compile what sandboxed kernels load from source. Returns the count."""
    key = policy.to_json()
    if key in _warmed:
        return 0
    _warmed.add(key)
    try:
        files = asyncio.run(_uncompiled_in_kernel(policy))
    except Exception:  # noqa: BLE001 - grading works without it, only slower
        log.warning("could not list the kernel's uncompiled modules", exc_info=True)
        return 0
    roots = [Path(root) for root in python_dirs()] + [Path("/usr/lib")]
    compiled = 0
    for file in files:
        # Only sources inside the Python trees the sandbox binds read-only.
        if any(Path(file).resolve().is_relative_to(root) for root in roots):
            py_compile.compile(file, cfile=cache_from_source(file), doraise=False, quiet=1)
            compiled += 1
    return compiled
