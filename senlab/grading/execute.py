"""nbgrader's Execute step, run in the sandbox and hardened against the submission.

It differs from `nbgrader.preprocessors.Execute` in three ways:

- the kernel is a `SandboxKernelManager` kernel (bubblewrap, own uid, rlimits);
- a kernel that dies (`os._exit`, a memory or process limit) or a cell that runs
  past its timeout does not fail the submission: the kernel is stopped and every
  code cell after it gets an error output, so its tests score 0 and the cells
  before it keep what they earned;
- before each test cell, the values it reads are exported as data (`answers`);
  after the run, the tests are re-run on them in a fresh sandboxed interpreter
  (`verifier.py`), and a test that fails there gets an error output even if it
  passed in the student's kernel.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Enum, Unicode

from senlab.grading import answers, verifier
from senlab.grading.kernel import SandboxKernelManager
from senlab.grading.sandbox import (
    SandboxPolicy,
    copy_for_sandbox,
    prepare_owned_dir,
    sandbox_command,
)

STOPPED = "KernelStopped"


def error_output(ename: str, evalue: str) -> NotebookNode:
    traceback = [f"{ename}: {evalue}"]
    return from_dict(
        {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}
    )


class SandboxedExecute(Execute):
    """Execute in the sandbox; survive dead kernels; re-check tests on exported answers."""

    policy_json = Unicode(SandboxPolicy().to_json(), help="The SandboxPolicy (JSON).").tag(
        config=True
    )
    # The kernel and its scratch folder are thrown away: no need to wait for a polite exit.
    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate").tag(config=True)

    source_root = Unicode(
        "", help="The course's source folder; its assignment folder is on the checks' path."
    ).tag(config=True)

    def create_kernel_manager(self):  # noqa: ANN201 - nbclient's signature
        self.kernel_manager_class = SandboxKernelManager
        km = super().create_kernel_manager()
        km.policy_json = self.policy_json
        self._sandbox_kms.append(km)
        return km

    def preprocess(self, nb, resources, retries=None):  # noqa: ANN001, ANN201
        self._stopped_reason = ""
        self._checks: list[dict] = []
        self._assignment = resources.get("nbgrader", {}).get("assignment", "")
        self._sandbox_kms: list[SandboxKernelManager] = []
        try:
            nb, resources = super().preprocess(nb, resources)
        except Exception:
            # Mostly a kernel that did not start; say what the sandbox printed.
            for km in self._sandbox_kms:
                self.log.error("Sandboxed kernel stderr:\n%s", km.log_tail())
            raise
        finally:
            for km in self._sandbox_kms:
                km.remove_run_dir()  # also when the kernel never started or would not stop
        self._apply_checks(nb)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):  # noqa: ANN001, ANN201
        if cell.cell_type != "code":
            return cell, resources
        if self._stopped_reason:
            cell.outputs = [error_output(STOPPED, self._stopped_reason)]
            return cell, resources
        if utils.is_grade(cell) and not utils.is_solution(cell):
            self._export_answers(cell, index)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stop(cell, "the kernel died (exit, or a memory or process limit)")
            return cell, resources
        except CellTimeoutError:
            self._stop(cell, f"a cell ran longer than {self.timeout} s")
            return cell, resources
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            self._stop(cell, f"a cell ran longer than {self.timeout} s")
        return cell, resources

    def _stop(self, cell: NotebookNode, reason: str) -> None:
        self._stopped_reason = reason
        cell.outputs = [*cell.get("outputs", []), error_output(STOPPED, reason)]
        self.log.warning("Stopping the kernel: %s", reason)
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - it may be gone already
            self.log.debug("kernel already gone", exc_info=True)

    def _export_answers(self, cell: NotebookNode, index: int) -> None:
        names = answers.free_names(cell.source)
        check = {"id": cell.metadata.nbgrader["grade_id"], "source": cell.source, "values": None}
        self._checks.append(check)
        if not names:
            check["values"] = {}
            return
        code, nonce = answers.export_source(names)
        probe = from_dict({"cell_type": "code", "source": code, "metadata": {}, "outputs": []})
        original = self.nb.cells[index]
        try:
            probe = self.execute_cell(probe, index, store_history=False)
        except DeadKernelError:
            return
        finally:
            self.nb.cells[index] = original  # execute_cell stores the probe in its place
        check["values"] = answers.read_export(probe.get("outputs", []), nonce)

    def _apply_checks(self, nb: NotebookNode) -> None:
        exported = [c for c in self._checks if c["values"] is not None]
        verdicts = {c["id"]: ("fail", "its answers could not be read") for c in self._checks}
        verdicts.update(self._run_verifier(exported))
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            verdict, reason = verdicts.get(grade_id, ("pass", ""))
            if verdict == "fail" and cell.cell_type == "code":
                cell.outputs.append(error_output("AnswerCheckFailed", reason))

    def _run_verifier(self, checks: list[dict]) -> dict[str, tuple[str, str]]:
        if not checks:
            return {}
        policy = SandboxPolicy.from_json(self.policy_json)
        source = Path(self.source_root) / self._assignment if self.source_root else None
        with tempfile.TemporaryDirectory(prefix="senlab-checks-") as scratch:
            Path(scratch).chmod(0o755)
            # The assignment's helper modules, in a copy the sandbox uid may read (the
            # course folder itself belongs to the course's group).
            helpers = Path(scratch) / "helpers"
            if source is not None and source.is_dir():
                copy_for_sandbox(source, helpers, policy, skip=("*.ipynb",))
            else:
                prepare_owned_dir(helpers, policy)
            return self._verify_in_sandbox(policy, checks, helpers)

    def _verify_in_sandbox(
        self, policy: SandboxPolicy, checks: list[dict], helpers: Path
    ) -> dict[str, tuple[str, str]]:
        script = str(Path(verifier.__file__).resolve())
        argv = [sys.executable, "-I", script, str(helpers)]
        command = sandbox_command(policy, argv, workdir=str(helpers), read_only=[str(helpers)])
        timeout = (self.timeout or 30) * max(1, len(checks))
        try:
            done = subprocess.run(
                command, input=json.dumps({"checks": checks}), capture_output=True,
                text=True, timeout=timeout, check=False,
            )  # fmt: skip
            results = json.loads(done.stdout)["results"]
        except (subprocess.TimeoutExpired, ValueError, KeyError) as error:
            self.log.error("Answer checks did not finish: %s", error)
            return {c["id"]: ("fail", "the answer checks did not finish") for c in checks}
        return {r["id"]: (r["verdict"], r["reason"]) for r in results}
