"""A Jupyter kernel manager whose kernels run inside the grading sandbox.

The kernel talks to the grader over ZeroMQ's `ipc` transport: its sockets live in a
private folder bound into the sandbox, since the sandbox has no network, not even
loopback. The kernel works in a scratch copy of the submission folder without its
notebooks (after sanitizing they hold the hidden tests), so nothing it writes
touches the grader's files and nothing it reads is the course's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Unicode

from senlab.grading.sandbox import (
    SandboxPolicy,
    copy_for_sandbox,
    prepare_owned_dir,
    sandbox_command,
)


class SandboxKernelManager(AsyncKernelManager):
    """Starts each kernel with `sandbox_command`, on ipc sockets in its own folder."""

    policy_json = Unicode(
        SandboxPolicy().to_json(),
        help="The SandboxPolicy (JSON) the kernel runs under.",
    ).tag(config=True)

    run_base = Unicode(
        "", help="Folder for per-kernel socket and scratch folders; the system temp if empty."
    ).tag(config=True)

    _run_dir: Path | None = None

    @property
    def policy(self) -> SandboxPolicy:
        return SandboxPolicy.from_json(self.policy_json)

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        policy = self.policy
        base = self.run_base or None
        self._run_dir = Path(tempfile.mkdtemp(prefix="senlab-kernel-", dir=base))
        self._run_dir.chmod(0o755)
        sockets = self._run_dir / "sockets"
        prepare_owned_dir(sockets, policy)
        self.transport = "ipc"
        self.ip = str(sockets / "kernel")
        self.connection_file = str(sockets / "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        if policy.uid is not None:
            import os

            os.chown(self.connection_file, policy.uid, policy.uid)
        return kernel_cmd, kw

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        assert self._run_dir is not None
        policy = self.policy
        work = self._run_dir / "work"
        source = kw.get("cwd")
        if source:
            copy_for_sandbox(Path(source), work, policy, skip=("*.ipynb",))
        else:
            prepare_owned_dir(work, policy)
        sockets = str(self._run_dir / "sockets")
        command = sandbox_command(
            policy, kernel_cmd, workdir=str(work), writable=[str(work), sockets]
        )
        kw["cwd"] = str(self._run_dir)
        kw["env"] = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        # What the process itself prints (not the notebook's output) stays out of the
        # grader's terminal; stderr is kept, under RLIMIT_FSIZE, to explain a failed start.
        kw["stdout"] = subprocess.DEVNULL
        with (self._run_dir / "kernel.log").open("wb") as log:
            kw["stderr"] = log
            await super()._async_launch_kernel(command, **kw)

    def log_tail(self, size: int = 2000) -> str:
        """The end of what the sandbox and the kernel wrote to stderr."""
        if self._run_dir is None or not (self._run_dir / "kernel.log").exists():
            return ""
        data = (self._run_dir / "kernel.log").read_bytes()[-size:]
        return data.decode("utf-8", "replace")

    async def _async_interrupt_kernel(self) -> None:
        # The kernel is in its own session inside the sandbox, beyond the reach of
        # killpg; ask it to interrupt itself over the control channel instead.
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.remove_run_dir()

    def remove_run_dir(self) -> None:
        """Remove the kernel's socket and scratch folders."""
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
