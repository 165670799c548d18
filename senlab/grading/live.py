"""Live validation: an assignment's solution against its lab's emulated devices.

The autograder's sandbox has no network, on purpose, so an assignment that uses a lab is
graded in two parts: the notebook's grade cells, which the autograder re-runs offline, and
the live work, judged by the lab's checks (`labs/<lab>/lab.yaml`) over what the devices
saw. `validate_live` checks one assignment against live devices:

1. a private Mosquitto (`senlab.broker.private`: the production accounts, ACL and config,
   on a free loopback port) and an in-process fleet run the lab for the trainee
   `validator` (`LiveLab`);
2. the solution (source) notebooks run in a kernel whose environment carries that
   trainee's broker credentials and topic root, as the hub gives them to a trainee's
   server, in a scratch folder that is also the kernel's home: every grade cell, hidden
   tests included, must pass and no cell may raise; every check the assignment lists in
   course.yaml must pass within `LiveOptions.check_timeout`;
3. on a fresh lab (restarted), the blank (release) notebooks run: no grade cell and no
   listed check may pass.

The solution is instructor content, so it runs outside the grading sandbox. Everything
started here (broker, fleet, kernels) is stopped before `validate_live` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from lab_devices.fleet.runtime import Fleet, FleetError
from lab_devices.fleet.service import connection_factory
from lab_devices.labs.checks import CheckResult
from lab_devices.labs.labfile import LabSpec, load_lab
from lab_devices.mqtt.connection import BrokerConfig
from senlab.broker import Credentials
from senlab.broker.private import PrivateBroker
from senlab.grading.problems import Problem

if TYPE_CHECKING:
    from senlab.courses import Assignment
    from senlab.settings import Settings

# (what is happening, steps done, steps in all; 0 in all when it cannot be counted)
LiveProgress = Callable[[str, int, int], None]
SUBSCRIBE_TIMEOUT_S = 20.0
CHECK_POLL_S = 0.25


@dataclass(frozen=True)
class LiveOptions:
    """How long live validation waits, and for whom the lab runs."""

    cell_timeout: int = 60  # seconds one cell may run (live cells wait on devices)
    check_timeout: float = 60.0  # seconds the solution's checks may take to pass
    blank_settle: float = 3.0  # seconds the blank's checks are watched after it ran
    trainee: str = "validator"


class LiveError(RuntimeError):
    """The live lab could not be started; the text says why."""


class LiveLab:
    """A private broker and an in-process fleet running one lab for one trainee."""

    def __init__(self, settings: Settings, spec: LabSpec, folder: Path, trainee: str) -> None:
        self.settings, self.spec, self.folder, self.trainee = settings, spec, folder, trainee
        self.broker: PrivateBroker | None = None
        self.credentials: Credentials | None = None  # the trainee's, once the broker runs
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.fleet: Fleet | None = None
        self._ticker: asyncio.Task[None] | None = None

    def __enter__(self) -> LiveLab:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the broker, the fleet's event loop (a thread) and the trainee's lab."""
        try:
            self.broker = PrivateBroker(self.folder / "broker", persistence=False,
                                        mosquitto=self.settings.mosquitto)
            self.credentials = self.broker.trainee(self.trainee)
            self.broker.start()
        except (OSError, RuntimeError, TimeoutError) as error:
            raise LiveError(f"the private broker did not start: {error}") from error
        self.loop = asyncio.new_event_loop()
        # The devices must keep ticking and answering while the notebook's kernel runs.
        self.thread = threading.Thread(target=self.loop.run_forever, name="senlab-live-fleet",
                                       daemon=True)
        self.thread.start()
        self._call_or_fail(self._start_fleet())

    async def _start_fleet(self) -> None:
        assert self.broker is not None
        fleet = self.broker.fleet
        config = BrokerConfig("127.0.0.1", self.broker.port, fleet.username, fleet.password)
        self.fleet = Fleet(connection_factory(config), {self.spec.id: self.spec})
        self._ticker = asyncio.create_task(self.fleet.run())
        await self._start_lab()

    async def _start_lab(self) -> None:
        assert self.fleet is not None
        try:
            run = await self.fleet.start_lab(self.trainee, self.spec.id)
        except FleetError as error:
            raise LiveError(f"the fleet could not start {self.spec.id}: {error}") from error
        deadline = time.monotonic() + SUBSCRIBE_TIMEOUT_S
        # A command sent before a device's SUBACK would be lost: wait for every device.
        while not all(getattr(h.connection, "subscribed", False) for h in run.hosts.values()):
            if time.monotonic() > deadline:
                raise LiveError(f"the devices of {self.spec.id} did not subscribe to their "
                                f"commands within {SUBSCRIBE_TIMEOUT_S:g} s")
            await asyncio.sleep(0.05)

    def restart(self) -> None:
        """Stop the trainee's lab and start it again: fresh devices, no evidence."""
        self._call_or_fail(self._restart())

    async def _restart(self) -> None:
        assert self.fleet is not None
        await self.fleet.stop_lab(self.trainee, self.spec.id)
        await self._start_lab()

    def checks(self) -> list[CheckResult]:
        """The lab's checks over the trainee's devices, now."""

        async def evaluate() -> list[CheckResult]:
            assert self.fleet is not None
            return self.fleet.check_lab(self.trainee, self.spec.id)

        return self._call(evaluate())

    def kernel_environment(self, home: Path) -> dict[str, str]:
        """What the hub gives a trainee's server, for this lab's trainee; `home` is scratch."""
        assert self.broker is not None and self.credentials is not None
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8", "HOME": str(home), "MPLCONFIGDIR": str(home / ".matplotlib"),
            "SENLAB_HOME": str(home / "senlab"),
            "SENLAB_MQTT_HOST": "127.0.0.1", "SENLAB_MQTT_PORT": str(self.broker.port),
            "SENLAB_MQTT_USERNAME": self.credentials.username,
            "SENLAB_MQTT_PASSWORD": self.credentials.password,
            "SENLAB_TOPIC_ROOT": self.credentials.topic_root,
        }  # fmt: skip

    def stop(self) -> None:
        """Stop the fleet, its thread and the broker; each even if another fails."""
        try:
            if self.loop is not None and self.fleet is not None:
                with contextlib.suppress(Exception):
                    self._call(self._close(), timeout=30)
            if self.loop is not None:
                self.loop.call_soon_threadsafe(self.loop.stop)
                if self.thread is not None:
                    self.thread.join(timeout=10)
                if not self.loop.is_running():
                    self.loop.close()
        finally:
            self.loop = self.thread = self.fleet = None
            if self.broker is not None:
                self.broker.stop()

    async def _close(self) -> None:
        assert self.fleet is not None
        await self.fleet.close()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker

    def _call(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def _call_or_fail(self, coroutine: Coroutine[Any, Any, None], timeout: float = 60) -> None:
        try:
            self._call(coroutine, timeout)
        except TimeoutError as error:
            raise LiveError(f"the lab {self.spec.id} did not start within {timeout:g} s") from error


class _LiveClient(NotebookClient):
    """nbclient whose kernel talks over Unix sockets in the scratch folder.

    Its connection file and sockets stay in the scratch folder (not the user's runtime
    folder), and no loopback port is opened for the kernel.
    """

    scratch: Path

    def create_kernel_manager(self):  # noqa: ANN201 - nbclient's signature
        km = super().create_kernel_manager()
        km.transport = "ipc"
        km.ip = str(self.scratch / "kernel")
        km.connection_file = str(self.scratch / "kernel.json")
        return km


@dataclass
class NotebookRun:
    """An executed notebook, and why its run stopped early, if it did."""

    label: str
    notebook: Any
    stopped_at: str = ""
    stopped_why: str = ""


def run_notebook(
    path: Path, label: str, env: dict[str, str], *, timeout: int, progress: LiveProgress,
    step: str,
) -> NotebookRun:  # fmt: skip
    """Execute `path` in its folder with `env`; errors stay in the cells' outputs."""
    notebook = nbformat.read(path, as_version=4)
    client = _LiveClient(notebook, timeout=timeout, allow_errors=True, record_timing=False,
                         shutdown_kernel="immediate",
                         resources={"metadata": {"path": str(path.parent)}})
    client.scratch = path.parent
    run = NotebookRun(label, notebook)
    total = len(notebook.cells)

    def on_cell_start(cell: Any, cell_index: int) -> None:
        run.stopped_at = cell_label(cell, cell_index)
        progress(f"{step}: {path.name}", cell_index, total)

    client.on_cell_start = on_cell_start
    log = path.parent / f"{path.stem}.kernel.log"
    try:
        # The kernel's own chatter stays out of the terminal; a failed start is explained
        # by the log's end.
        with log.open("wb") as stderr:
            client.execute(env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        run.stopped_at = ""
    except CellTimeoutError:
        run.stopped_why = f"the cell ran longer than {timeout} s live"
    except DeadKernelError:
        run.stopped_why = "the kernel died live"
    except Exception as error:  # noqa: BLE001 - a kernel that does not start, for one
        run.stopped_at = run.stopped_at or "(kernel)"
        tail = log.read_text(errors="replace")[-500:].strip() if log.exists() else ""
        run.stopped_why = f"the notebook could not run: {type(error).__name__}: {error}"
        run.stopped_why += f" (kernel log: {tail})" if tail else ""
    progress(f"{step}: {path.name}", total, total)
    return run


def cell_label(cell: Any, index: int) -> str:
    """A cell's nbgrader id, or its position when it has none."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"


def first_error(cell: Any) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def is_test(cell: Any) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def solution_problems(run: NotebookRun, reported: set[tuple[str, str]]) -> list[Problem]:
    """Cells of the solution that raised live; the sandbox's own findings are not repeated."""
    problems = []
    for index, cell in enumerate(run.notebook.cells):
        error = first_error(cell) if cell.cell_type == "code" else None
        label = cell_label(cell, index)
        if error is None or (run.label, label) in reported:
            continue
        what = "fails" if is_test(cell) else "raises"
        reason = f"the solution {what} live: {error.get('ename')}: {error.get('evalue')}"
        problems.append(Problem(run.label, label, reason))
    if run.stopped_why:
        problems.append(Problem(run.label, run.stopped_at, run.stopped_why))
    return problems


def blank_problems(run: NotebookRun, reported: set[tuple[str, str]]) -> list[Problem]:
    """Tests the blank notebook passed live."""
    problems = []
    for index, cell in enumerate(run.notebook.cells):
        label = cell_label(cell, index)
        executed = cell.get("execution_count") is not None
        if not is_test(cell) or not executed or first_error(cell) is not None:
            continue
        if (run.label, label) not in reported:
            reason = "the blank notebook passes this test live: it earns points for nothing"
            problems.append(Problem(run.label, label, reason))
    if run.stopped_why:
        problems.append(Problem(run.label, run.stopped_at, f"blank: {run.stopped_why}"))
    return problems


def wait_for_checks(
    live: LiveLab, wanted: list[str], timeout: float, progress: LiveProgress
) -> dict[str, CheckResult]:
    """The wanted checks' results, once all pass or `timeout` seconds have gone by."""
    deadline = time.monotonic() + timeout
    while True:
        results = {r.id: r for r in live.checks() if r.id in wanted}
        passed = sum(1 for r in results.values() if r.passed)
        progress(f"checks {', '.join(wanted)}", passed, len(wanted))
        if passed == len(wanted) or time.monotonic() >= deadline:
            return results
        time.sleep(CHECK_POLL_S)


def checks_passing_within(live: LiveLab, wanted: list[str], seconds: float) -> list[str]:
    """The wanted checks that pass at any moment of the next `seconds`."""
    deadline = time.monotonic() + seconds
    passing: set[str] = set()
    while True:
        passing |= {r.id for r in live.checks() if r.id in wanted and r.passed}
        if time.monotonic() >= deadline:
            return [check for check in wanted if check in passing]
        time.sleep(CHECK_POLL_S)


def validate_live(
    settings: Settings, source: Path, release: Path, assignment: Assignment, *,
    options: LiveOptions | None = None, progress: LiveProgress | None = None,
    reported: set[tuple[str, str]] | None = None,
) -> list[Problem]:  # fmt: skip
    """Problems with `assignment` (it has a lab) when run against live devices.

    `source` and `release` are its nbgrader source and release folders; `reported` holds
    the (file, cell) pairs the sandbox found already, which are not repeated.
    """
    assert assignment.lab is not None
    options = options or LiveOptions()
    progress = progress or (lambda step, done, total: None)
    spec = load_lab(settings.repo_root / "labs" / assignment.lab / "lab.yaml")
    with tempfile.TemporaryDirectory(prefix="senlab-live-") as scratch:
        folder = Path(scratch)
        progress(f"{assignment.id}: starting a private broker and the lab {spec.id}", 0, 0)
        try:
            with LiveLab(settings, spec, folder, options.trainee) as live:
                return _solution_then_blank(live, folder, source, release, assignment,
                                            options, progress, reported or set())
        except LiveError as error:  # the lab did not start, or not again for the blank
            return [Problem(f"source/{assignment.id}", "(live lab)", str(error))]
        finally:
            progress(f"{assignment.id}: lab and broker stopped", 0, 0)


def _solution_then_blank(
    live: LiveLab, folder: Path, source: Path, release: Path, assignment: Assignment,
    options: LiveOptions, progress: LiveProgress, reported: set[tuple[str, str]],
) -> list[Problem]:  # fmt: skip
    names = sorted(p.name for p in source.glob("*.ipynb"))
    where = f"source/{assignment.id}" + (f"/{names[0]}" if len(names) == 1 else "")
    problems: list[Problem] = []
    for version, original in (("solution", source), ("blank", release)):
        if version == "blank":
            progress(f"{assignment.id}: restarting the lab for the blank notebook", 0, 0)
            live.restart()
        work = folder / version
        shutil.copytree(original, work)
        home = folder / f"{version}-home"
        home.mkdir()
        env = live.kernel_environment(home)
        step = f"{assignment.id}: {version} live"
        for name in names:
            run = run_notebook(work / name, f"source/{assignment.id}/{name}", env,
                               timeout=options.cell_timeout, progress=progress, step=step)
            problems += (solution_problems if version == "solution" else blank_problems)(
                run, reported)
        if assignment.checks:
            def prefixed(step: str, done: int, total: int) -> None:
                progress(f"{assignment.id}: {step}", done, total)

            problems += _check_problems(live, where, version, assignment.checks, options,
                                        prefixed)
    return problems


def _check_problems(
    live: LiveLab, where: str, version: str, wanted: list[str], options: LiveOptions,
    progress: LiveProgress,
) -> list[Problem]:  # fmt: skip
    if version == "solution":
        results = wait_for_checks(live, wanted, options.check_timeout, progress)
        return [
            Problem(where, f"check {check}", f"the solution did not pass it within "
                    f"{options.check_timeout:g} s: {(results[check].message or {}).get('en')}")
            for check in wanted if not results[check].passed
        ]  # fmt: skip
    progress(f"blank, watching checks {', '.join(wanted)}", 0, 0)
    return [
        Problem(where, f"check {check}", "the blank notebook passes it: the check is "
                "earned for nothing")
        for check in checks_passing_within(live, wanted, options.blank_settle)
    ]  # fmt: skip
