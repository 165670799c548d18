"""Grade many submissions at once: a pool of worker processes, one sandbox uid each.

Each worker imports nbgrader once and then grades submission after submission;
what costs is the kernel and the notebook, which run beside each other on
separate cores. Worker `i` runs its kernels as uid `grading_uid_base + i`, so a
fork bomb in one submission exhausts only its own RLIMIT_NPROC, never its
neighbours'.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from sqlalchemy.exc import SAWarning

from senlab.courses import course_root
from senlab.grading.autograde import GradeResult, grade_submission
from senlab.grading.sandbox import SandboxPolicy, default_policy
from senlab.grading.warmup import compile_kernel_bytecode

if TYPE_CHECKING:
    from senlab.settings import Settings

Progress = Callable[[GradeResult, int, int], None]

_worker: dict = {}


def pool_size(settings: Settings) -> int:
    """Workers to use: the setting, or one per core this process may run on, plus one.

    The extra worker keeps the cores busy while the others wait on a kernel's
    start or on the gradebook.
    """
    if settings.grading_workers:
        return settings.grading_workers
    return len(os.sched_getaffinity(0)) + 1


def submitted_trainees(settings: Settings, course_id: str, assignment_id: str) -> list[str]:
    """Trainees with a collected submission of the assignment, sorted."""
    submitted = course_root(settings, course_id) / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment_id).is_dir())


def _init_worker(settings: Settings, slots, policy: SandboxPolicy | None) -> None:  # noqa: ANN001
    # nbgrader's gradebook trips SQLAlchemy 2's cascade warnings on every submission: they
    # say nothing about the submission and would bury a grading run's own output.
    warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.")
    slot = slots.get()
    _worker["settings"] = settings
    base = policy or default_policy(settings)
    uid = None if base.uid is None else settings.grading_uid_base + slot
    _worker["policy"] = base.with_uid(uid)


def _grade_in_worker(course_id: str, assignment_id: str, trainee: str, feedback: bool):  # noqa: ANN202
    return grade_submission(
        _worker["settings"], course_id, assignment_id, trainee, _worker["policy"],
        feedback=feedback,
    )  # fmt: skip


def grade_assignment(
    settings: Settings,
    course_id: str,
    assignment_id: str,
    *,
    trainees: Iterable[str] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    feedback: bool = False,
    policy: SandboxPolicy | None = None,
) -> list[GradeResult]:
    """Autograde the collected submissions (all, or `trainees`) of one assignment in parallel.

    `progress(result, done, total)` is called as each submission finishes. With
    `feedback`, each graded submission's feedback is generated and released.
    Results come back in the order of `trainees`.
    """
    names = list(trainees) if trainees is not None else submitted_trainees(
        settings, course_id, assignment_id
    )
    if not names:
        return []
    compile_kernel_bytecode(policy or default_policy(settings))
    count = min(workers or pool_size(settings), len(names))
    context = multiprocessing.get_context("spawn")
    slots = context.Queue()
    for slot in range(count):
        slots.put(slot)
    results: dict[str, GradeResult] = {}
    with ProcessPoolExecutor(
        count, mp_context=context, initializer=_init_worker, initargs=(settings, slots, policy)
    ) as pool:
        futures = {
            pool.submit(_grade_in_worker, course_id, assignment_id, name, feedback): name
            for name in names
        }
        for future in as_completed(futures):
            name = futures[future]
            results[name] = _result_of(future, course_id, assignment_id, name)
            if progress is not None:
                progress(results[name], len(results), len(names))
    return [results[name] for name in names]


def _result_of(future, course_id: str, assignment_id: str, trainee: str) -> GradeResult:  # noqa: ANN001
    try:
        return future.result()
    except (BrokenProcessPool, OSError, RuntimeError) as error:
        reason = f"grading worker failed: {type(error).__name__}: {error}"
        return GradeResult(course_id, assignment_id, trainee, 0.0, 0.0, False, 0.0, reason)
