"""`validate_course` against live devices: the demo course's solution passes its lab
checks live; a solution that skips the live work, a hidden test that fails only live and a
blank that earns a check are named; nothing it started outlives it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from senlab.grading.live import LiveOptions
from senlab.grading.validate import validate_course
from senlab.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.integration
FILE = "source/mqtt-telemetry/mqtt-telemetry.ipynb"
QUICK = LiveOptions(cell_timeout=30, check_timeout=5, blank_settle=1)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", grading_cell_timeout=10)


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(REPO_ROOT / "courses" / "iot101", folder)
    return folder


def edit(course: Path, change) -> None:  # noqa: ANN001 - callable(cells)
    path = course / FILE
    notebook = nbformat.read(path, as_version=4)
    change(notebook.cells)
    nbformat.write(notebook, path)


def by_id(cells: list, grade_id: str):  # noqa: ANN201
    return next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def live_processes() -> dict[int, str]:
    """Processes (a broker, a kernel) whose command line is in a live-validation folder:
    pid → that folder (another validation, on another test worker, has its own)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        folder = re.search(r"/senlab-live-[^/\x00]+", command)
        if folder:
            found[int(entry.name)] = folder.group()
    return found


def test_the_demo_solution_passes_its_checks_live_and_its_blank_passes_none(
    settings: Settings,
) -> None:
    steps: list[tuple[str, int, int]] = []
    problems = validate_course(settings, REPO_ROOT / "courses" / "iot101",
                               progress=lambda *step: steps.append(step))
    assert problems == []
    assert ("mqtt-telemetry: checks ping-station, slow-down-air", 2, 2) in steps  # they passed
    assert any(s[0].startswith("mqtt-telemetry: blank live") for s in steps)


def test_a_solution_that_never_pings_is_named_by_the_check(
    settings: Settings, course: Path
) -> None:
    edit(course, lambda cells: setattr(by_id(cells, "live-ping"), "source",
                                       "### BEGIN SOLUTION\nreply = None\n### END SOLUTION"))

    problems = validate_course(settings, course, live=QUICK)

    assert [(p.file, p.cell) for p in problems] == [(FILE, "check ping-station")]
    assert problems[0].reason == ("the solution did not pass it within 5 s: air-1 has not "
                                  'received a ping. Publish {"id": 1, "action": "ping"} to '
                                  "its cmd topic.")


def test_a_hidden_test_that_fails_only_live_is_named(settings: Settings, course: Path) -> None:
    def add_hidden_test(cells: list) -> None:
        test = by_id(cells, "q1-tests")
        test.source = test.source.replace(
            "### END HIDDEN TESTS",
            "import os\nassert 'SENLAB_TOPIC_ROOT' not in os.environ, 'not offline'\n"
            "### END HIDDEN TESTS")

    edit(course, add_hidden_test)

    problems = validate_course(settings, course, live=QUICK)

    assert [(p.file, p.cell, p.reason) for p in problems] == [
        (FILE, "q1-tests", "the solution fails live: AssertionError: not offline")]


def test_a_blank_that_earns_a_check_is_named(settings: Settings, course: Path) -> None:
    # Outside any solution region, so the released notebook keeps it and pings too.
    ping = ("import json\nimport senlab.lab\n_lab = senlab.lab.connect('iot101-sensors')\n"
            "_client = _lab.mqtt_client()\n_body = json.dumps({'id': 'x', 'action': 'ping'})\n"
            "_client.publish(_lab.topic_root + '/air-1/cmd', _body, qos=1).wait_for_publish(10)\n"
            "_client.loop_stop()\n_client.disconnect()")
    edit(course, lambda cells: cells.append(new_code_cell(ping)))

    problems = validate_course(settings, course, live=QUICK)

    assert [(p.file, p.cell) for p in problems] == [(FILE, "check ping-station")]
    assert problems[0].reason.startswith("the blank notebook passes it")


def test_no_broker_or_kernel_outlives_a_failing_validation(
    settings: Settings, course: Path
) -> None:
    edit(course, lambda cells: setattr(by_id(cells, "live-interval"), "source",
                                       "### BEGIN SOLUTION\nraise RuntimeError('no')\n"
                                       "### END SOLUTION"))
    before = set(live_processes())
    seen_running: dict[int, str] = {}

    def watch(step: str, done: int, total: int) -> None:
        if "solution live" in step and done == total - 1:  # the kernel runs its last cell
            seen_running.update({pid: folder for pid, folder in live_processes().items()
                                 if pid not in before})

    problems = validate_course(settings, course, live=QUICK, progress=watch)

    assert {p.cell for p in problems} == {"live-interval", "check slow-down-air"}
    assert len(seen_running) >= 2  # the broker and the kernel, while they ran
    ours = set(seen_running.values())
    assert {pid for pid, folder in live_processes().items() if folder in ours} == set()
