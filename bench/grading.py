"""Autograding speed: plain sequential `nbgrader autograde` against SenLab's pool.

Builds N submissions of iot101/mqtt-telemetry (right, partly wrong and blank in
turn), places the same set in two fresh course homes, and grades them:

1. `nbgrader autograde mqtt-telemetry` in one process, one submission after the
   other, with nbgrader's own unsandboxed Execute (the baseline);
2. `senlab.grading.grade_assignment` with one worker (the sandbox's own cost);
3. `senlab.grading.grade_assignment` with the pool sized to the machine.

It prints the times, the ratio to the baseline and whether every score matches,
and ends with one JSON line:
`{"submissions", "nbgrader_s", "senlab_s", "ratio", "scores_identical", ...}`.

    .venv/bin/python bench/grading.py --submissions 100
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from senlab.courses import course_root
from senlab.grading import grade_assignment, pool_size
from senlab.grading.nbgrader_setup import ensure_venv_on_path, nbgrader_api
from senlab.grading.publish import publish
from senlab.settings import REPO_ROOT, Settings

COURSE, ASSIGNMENT = "iot101", "mqtt-telemetry"
WRONG = {"q2-answer": "air1_mean_c = 24.0", "q3-answer": "humid_alarms = {}"}


def _answers() -> dict[str, str]:
    path = REPO_ROOT / "courses" / COURSE / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    answers = {}
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = re.sub(r"^### (BEGIN|END) SOLUTION\n?", "", cell.source,
                                               flags=re.M)
    return answers


def make_submissions(settings: Settings, count: int) -> list[str]:
    root = course_root(settings, COURSE)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    right = _answers()
    trainees = []
    for index in range(count):
        trainee = f"trainee{index:03d}"
        chosen = [right, {**right, **WRONG}, {}][index % 3]
        notebook = nbformat.from_dict(json.loads(json.dumps(released)))
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in chosen:
                cell.source = chosen[grade_id]
        folder = root / "submitted" / trainee / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text("2026-03-02 09:00:00.000000 UTC")
        trainees.append(trainee)
    return trainees


def fresh_home(base: Path, name: str, count: int) -> tuple[Settings, list[str]]:
    settings = Settings(home=base / name)
    publish(settings, COURSE)
    return settings, make_submissions(settings, count)


def plain_nbgrader(settings: Settings) -> float:
    root = course_root(settings, COURSE)
    command = [
        str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT,
        f"--CourseDirectory.root={root}", f"--CourseDirectory.course_id={COURSE}",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"nbgrader autograde failed:\n{done.stderr[-2000:]}")
    return elapsed


def gradebook_scores(settings: Settings, trainees: list[str]) -> dict[str, float]:
    with nbgrader_api(settings, COURSE).gradebook as gradebook:
        return {t: float(gradebook.find_submission(ASSIGNMENT, t).score) for t in trainees}


def ours(settings: Settings, trainees: list[str], workers: int) -> tuple[float, dict]:
    """Seconds, and each trainee's score (None where the submission could not be graded)."""
    started = time.perf_counter()
    results = grade_assignment(settings, COURSE, ASSIGNMENT, trainees=trainees, workers=workers)
    elapsed = time.perf_counter() - started
    for result in results:
        if not result.ok:
            print(f"  not graded: {result.trainee}: {result.error}")
            log = settings.home / "grading" / "failed"
            for path in sorted(log.glob("*.log")):
                tail = [line for line in path.read_text().splitlines() if line.strip()][-15:]
                print("\n".join(f"    {line}" for line in tail))
    return elapsed, {r.trainee: (r.score if r.ok else None) for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="pool size; 0 sizes it here")
    parser.add_argument("--skip-one-worker", action="store_true")
    args = parser.parse_args()
    ensure_venv_on_path()
    workers = args.workers or pool_size(Settings())
    base = Path(tempfile.mkdtemp(prefix="senlab-bench-grading-"))
    try:
        report = run(base, args.submissions, workers, not args.skip_one_worker)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(report))


def run(base: Path, count: int, workers: int, one_worker: bool) -> dict:
    n = count
    load = os.getloadavg()[0]
    print(f"{n} submissions of {COURSE}/{ASSIGNMENT}; {os.cpu_count()} cores; pool of {workers}; "
          f"load average {load:.1f} (others' work on the same cores lowers the ratio)")
    plain, trainees = fresh_home(base, "nbgrader", n)
    nbgrader_s = plain_nbgrader(plain)
    baseline = gradebook_scores(plain, trainees)
    print(f"nbgrader autograde, sequential: {nbgrader_s:7.1f} s  {nbgrader_s / n:.2f} s/submission")
    report: dict = {"submissions": n, "nbgrader_s": round(nbgrader_s, 2)}
    if one_worker:
        single, _ = fresh_home(base, "senlab-1", n)
        single_s, single_scores = ours(single, trainees, 1)
        print(f"senlab, 1 worker (sandboxed):   {single_s:7.1f} s  {single_s / n:.2f} s/submission")
        report["senlab_1_worker_s"] = round(single_s, 2)
        report["sandbox_overhead"] = round(single_s / nbgrader_s, 2)
    pooled, _ = fresh_home(base, "senlab-pool", n)
    senlab_s, scores = ours(pooled, trainees, workers)
    identical = scores == baseline and (not one_worker or single_scores == baseline)
    pool = f"senlab, pool of {workers}:"
    print(f"{pool:<32}{senlab_s:7.1f} s  {senlab_s / n:.2f} s/submission")
    print(f"ratio (nbgrader / senlab pool): {nbgrader_s / senlab_s:.2f}x; "
          f"scores identical: {identical}")
    report.update(senlab_s=round(senlab_s, 2), ratio=round(nbgrader_s / senlab_s, 2),
                  scores_identical=identical, workers=workers,
                  load_average=[round(load, 2), round(os.getloadavg()[0], 2)])
    return report


if __name__ == "__main__":
    main()
