"""Submissions that attack the grader earn nothing they should not, and honest ones
graded in the same batch beside them get their right scores.

One batch holds every attack and the honest submissions; it is graded once by the
real pool (real nbgrader, kernels in bubblewrap), then each test reads its result.
"""

from __future__ import annotations

import http.server
import sqlite3
import threading

import pytest

from senlab.courses import course_root
from senlab.grading.pool import grade_assignment

COURSE = "iot101"
ASSIGNMENT = "mqtt-telemetry"

pytestmark = pytest.mark.integration

READ_HIDDEN_TESTS = '''
import glob, json, os, re
found = {}
for top in [os.getcwd(), os.path.dirname(os.getcwd()), COURSE_ROOT]:
    for path in glob.glob(os.path.join(top, "**", "*.ipynb"), recursive=True):
        try:
            text = open(path).read()
        except OSError:
            continue
        match = re.search(r"air1_temperatures == (\\[[^\\]]*\\])", text)
        if "HIDDEN TESTS" in text and match:
            try:
                found["temps"] = json.loads(match.group(1))
            except ValueError:
                pass
air1_temperatures = found.get("temps")
'''

OPEN_GRADEBOOK = '''
import glob, os, sqlite3
near = os.path.dirname(os.getcwd()) + "/**/gradebook.db"
for path in [GRADEBOOK] + glob.glob(near, recursive=True):
    try:
        db = sqlite3.connect(path)
        db.execute("UPDATE grade SET manual_score = 100")
        db.commit()
    except Exception:
        pass
air1_temperatures = []
'''

HIDE_FAILURES = '''
ip = get_ipython()
ip.showtraceback = lambda *args, **kwargs: None
type(ip).showtraceback = lambda *args, **kwargs: None
ip.input_transformers_post.append(lambda lines: ["pass\\n"])
air1_temperatures = [0.0]
'''

PATCH_BUILTINS = '''
import builtins
builtins.abs = lambda value: 0
builtins.all = lambda values: True
air1_mean_c = 21.0
'''

FORK_BOMB = '''
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
'''

STUBBORN_LOOP = '''
while True:
    try:
        pass
    except BaseException:
        pass
'''


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []
    progress: list[tuple[str, int, int]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"25.0")

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


def _delete_tests(notebook) -> None:  # noqa: ANN001
    notebook.cells = [
        c for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") not in ("q2-tests", "q3-tests")
    ]  # fmt: skip


def _edit_tests(notebook) -> None:  # noqa: ANN001
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "q3-tests":
            cell.source = "pass"
            meta["points"] = 100


def _cases(root: str, port: int, q1: str) -> dict[str, tuple[dict, int]]:
    """trainee -> (submit() keyword arguments, expected score out of 6)."""
    url = f"http://127.0.0.1:{port}/steal"
    network = f"import urllib.request\nurllib.request.urlopen({url!r}, timeout=3)\n" + (
        "air1_mean_c = 25.0"
    )
    read_tests = READ_HIDDEN_TESTS.replace("COURSE_ROOT", repr(root))
    open_gradebook = OPEN_GRADEBOOK.replace("GRADEBOOK", repr(f"{root}/gradebook.db"))
    allocate = "big = bytearray(10 * 1024 ** 3)\nair1_mean_c = 25.0"
    wrong_q2, wrong_q3 = "air1_mean_c = 1.0", "humid_alarms = {}"
    exits = "import sys\nsys.exit(0)"
    return {
        "honest": ({}, 6),
        "wrong": ({"answers": {"q2-answer": "air1_mean_c = 24.0"}}, 4),
        "blank": ({"blank": True}, 0),
        "reads-hidden-tests": ({"answers": {"q1-answer": read_tests}}, 2),
        "opens-gradebook": ({"answers": {"q1-answer": open_gradebook}}, 2),
        "hides-failures": ({"answers": {"q1-answer": HIDE_FAILURES, "q2-answer": wrong_q2}}, 0),
        "patches-builtins": ({"answers": {"q2-answer": PATCH_BUILTINS}}, 4),
        "sys-exit": ({"answers": {"q1-answer": exits, "q2-answer": "air1_mean_c = 25.0"}}, 4),
        "os-exit": ({"answers": {"q2-answer": "import os\nos._exit(1)"}}, 2),
        "endless-loop": ({"answers": {"q2-answer": STUBBORN_LOOP}}, 2),
        "fork-bomb": ({"answers": {"q2-answer": FORK_BOMB}}, 2),
        "allocates-10gb": ({"answers": {"q2-answer": allocate}}, 4),
        "network-call": ({"answers": {"q2-answer": network}}, 4),
        "deletes-tests": (
            {"answers": {"q2-answer": wrong_q2, "q3-answer": wrong_q3}, "edit": _delete_tests},
            2,
        ),
        "edits-tests": ({"answers": {"q3-answer": wrong_q3}, "edit": _edit_tests}, 4),
        "honest-2": ({"answers": {"q1-answer": q1}}, 6),
    }


@pytest.fixture(scope="module")
def batch(grading_settings, submit_as, solution_answers):  # noqa: ANN001, ANN201
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root = str(course_root(grading_settings, COURSE))
    cases = _cases(root, server.server_address[1], solution_answers["q1-answer"])
    for trainee, (kwargs, _) in cases.items():
        submit_as(grading_settings, trainee, **kwargs)
    calls: list[tuple[str, int, int]] = []
    try:
        results = grade_assignment(
            grading_settings, COURSE, ASSIGNMENT, trainees=list(cases),
            progress=lambda result, done, total: calls.append((result.trainee, done, total)),
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    _Recorder.progress = calls
    return {r.trainee: r for r in results}, {t: e for t, (_, e) in cases.items()}


ATTACKS = [
    "reads-hidden-tests", "opens-gradebook", "hides-failures", "patches-builtins", "sys-exit",
    "os-exit", "endless-loop", "fork-bomb", "allocates-10gb", "network-call", "deletes-tests",
    "edits-tests",
]  # fmt: skip


@pytest.mark.parametrize("trainee", ["honest", "wrong", "blank", "honest-2", *ATTACKS])
def test_each_submission_earns_exactly_its_right_answers(batch, trainee: str) -> None:  # noqa: ANN001
    results, expected = batch
    result = results[trainee]
    assert result.ok, result.error
    assert (result.score, result.max_score) == (expected[trainee], 6.0)


def test_the_attack_on_hidden_tests_works_without_the_sandbox(
    grading_settings,  # noqa: ANN001
) -> None:
    root = str(course_root(grading_settings, COURSE))
    namespace: dict = {}
    exec(READ_HIDDEN_TESTS.replace("COURSE_ROOT", repr(root)), namespace)
    assert namespace["air1_temperatures"] == [24.1, 24.6, 25.3, 26.0]


def test_no_manual_grade_was_written_to_the_gradebook(batch, grading_settings) -> None:  # noqa: ANN001
    path = course_root(grading_settings, COURSE) / "gradebook.db"
    with sqlite3.connect(path) as db:
        query = "SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL"
        assert db.execute(query).fetchone() == (0,)


def test_the_network_call_reached_nothing(batch) -> None:  # noqa: ANN001
    assert _Recorder.hits == []


def test_hidden_failures_are_caught_by_the_answer_check(
    batch, grading_settings, autograded_outputs  # noqa: ANN001
) -> None:
    outputs = autograded_outputs(grading_settings, "hides-failures")
    enames = [o.get("ename") for o in outputs["q1-tests"]]
    assert "AnswerCheckFailed" in enames


def test_a_stopped_kernel_marks_every_later_cell(
    batch, grading_settings, autograded_outputs  # noqa: ANN001
) -> None:
    outputs = autograded_outputs(grading_settings, "os-exit")
    assert all(o.get("ename") == "KernelStopped" for o in outputs["q3-tests"])
    assert outputs["q1-tests"] == []


def test_progress_is_reported_once_per_submission_as_each_finishes(batch) -> None:  # noqa: ANN001
    results, _ = batch
    calls = _Recorder.progress
    assert sorted(trainee for trainee, _, _ in calls) == sorted(results)
    assert [done for _, done, _ in calls] == list(range(1, len(results) + 1))
    assert {total for _, _, total in calls} == {len(results)}
