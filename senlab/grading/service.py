"""The autograder service: collects new submissions, grades them, posts the grades.

Every `grading_poll_seconds` (at most 30) it looks at each published course's
inbound exchange folder. New entries are collected with nbgrader; every
submission whose submitted timestamp differs from its autograded one is graded
by the pool, and its feedback generated and released. Then every grade in the
gradebook that differs from what was last posted (autograded, or given by hand
in formgrader) goes to the progress service as a `grade.recorded` event.
"""

from __future__ import annotations

import json
import logging
import pwd
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from senlab.courses import course_root, exchange_root
from senlab.events import grade_recorded
from senlab.grading.autograde import GradeResult
from senlab.grading.events import grader_poster, grader_spool
from senlab.grading.nbgrader_setup import nbgrader_api
from senlab.grading.pool import grade_assignment
from senlab.spool import SpoolSender

if TYPE_CHECKING:
    from senlab.settings import Settings

log = logging.getLogger("senlab.grading")


def submitted_by_its_owner(entry: Path) -> bool:
    """Whether an inbound submission belongs to the account it names (or to root).

    Each hub user has a system account of the same name, and nbgrader names an
    inbound folder `<trainee>+<assignment>+<time>+<random>`. nbgrader's own collect
    only warns when the two differ, which would let one trainee submit as another.
    """
    try:
        owner = entry.stat().st_uid
    except FileNotFoundError:
        return False
    if owner == 0:
        return True
    try:
        return pwd.getpwuid(owner).pw_name == entry.name.split("+")[0]
    except KeyError:
        return False


class Autograder:
    """One pass (`run_once`) or a loop (`run`) of collect, grade, release and post."""

    def __init__(
        self, settings: Settings, *, url: str | None = None, token: str | None = None,
        workers: int | None = None,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.workers = workers
        self.spool = grader_spool(settings)
        self.poster = grader_poster(settings, url=url, token=token)
        # While `run` runs, a thread delivers the spool, retrying with backoff between
        # passes; `run_once` alone delivers before it returns.
        self.sender: SpoolSender | None = None
        self.posted_path = settings.home / "grading" / "posted.json"
        self.seen_inbound: dict[str, set[str]] = {}
        self.failed: dict[tuple[str, str, str], str] = {}

    def published_courses(self) -> list[str]:
        root = self.settings.home / "courses"
        return sorted(p.parent.name for p in root.glob("*/course.yaml")) if root.is_dir() else []

    def run_once(self) -> list[GradeResult]:
        results: list[GradeResult] = []
        for course in self.published_courses():
            self._collect_new(course)
            for assignment, trainees in self._ungraded(course).items():
                results += self._grade(course, assignment, trainees)
            self._queue_changed_grades(course)
        self._flush()
        return results

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        log.info("autograder watching %s every %ss", self.settings.home / "courses",
                 self.settings.grading_poll_seconds)
        self.sender = SpoolSender(self.spool, self.poster, name="grader-events").start()
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:  # noqa: BLE001 - one bad pass must not stop the service
                    log.exception("autograder pass failed")
                stop.wait(self.settings.grading_poll_seconds)
        finally:
            self.sender.close()
            self.sender = None

    def _collect_new(self, course: str) -> None:
        inbound = exchange_root(self.settings) / course / "inbound"
        entries = {p.name for p in inbound.iterdir()} if inbound.is_dir() else set()
        new = entries - self.seen_inbound.get(course, set())
        for name in sorted(new):
            if not submitted_by_its_owner(inbound / name):
                self._reject(course, inbound / name)
                new.discard(name)
                entries.discard(name)
        assignments = sorted({name.split("+")[1] for name in new if name.count("+") >= 3})
        if assignments:
            api = nbgrader_api(self.settings, course)
            for assignment in assignments:
                result = api.collect(assignment, update=True)
                if not result.get("success"):
                    log.error("collect %s/%s failed: %s", course, assignment, result.get("log"))
        self.seen_inbound[course] = entries

    def _reject(self, course: str, entry: Path) -> None:
        """Move a submission made in another trainee's name out of nbgrader's reach."""
        quarantine = self.settings.home / "grading" / "rejected" / course
        quarantine.mkdir(parents=True, exist_ok=True)
        log.warning("rejected %s: it names a trainee other than the account that wrote it",
                    entry.name)
        shutil.move(str(entry), str(quarantine / entry.name))

    def _ungraded(self, course: str) -> dict[str, list[str]]:
        root = course_root(self.settings, course)
        pending: dict[str, list[str]] = {}
        for stamp in sorted(root.glob("submitted/*/*/timestamp.txt")):
            assignment, trainee = stamp.parent.name, stamp.parent.parent.name
            submitted = stamp.read_text().strip()
            graded = root / "autograded" / trainee / assignment / "timestamp.txt"
            if graded.exists() and graded.read_text().strip() == submitted:
                continue
            if self.failed.get((course, assignment, trainee)) == submitted:
                continue
            pending.setdefault(assignment, []).append(trainee)
        return pending

    def _grade(self, course: str, assignment: str, trainees: list[str]) -> list[GradeResult]:
        log.info("grading %d submission(s) of %s/%s", len(trainees), course, assignment)
        results = grade_assignment(
            self.settings, course, assignment, trainees=trainees, workers=self.workers,
            feedback=True,
        )  # fmt: skip
        root = course_root(self.settings, course)
        for result in results:
            if result.ok and result.error:
                log.warning("%s/%s for %s: %s", course, assignment, result.trainee, result.error)
            if not result.ok:
                stamp = root / "submitted" / result.trainee / assignment / "timestamp.txt"
                self.failed[(course, assignment, result.trainee)] = stamp.read_text().strip()
                log.error("could not grade %s/%s for %s: %s", course, assignment,
                          result.trainee, result.error)
        return results

    def _queue_changed_grades(self, course: str) -> None:
        posted = self._posted()
        events = []
        api = nbgrader_api(self.settings, course)
        with api.gradebook as gradebook:
            for assignment in gradebook.assignments:
                for submission in assignment.submissions:
                    score = [float(submission.score), float(submission.max_score)]
                    key = f"{course}/{assignment.name}/{submission.student.id}"
                    if score[1] > 0 and posted.get(key) != score:
                        events.append(grade_recorded(course, assignment.name,
                                                     submission.student.id, score[0],
                                                     score[1]))
                        posted[key] = score
        if events:
            self.spool.add(events)  # durable before the grades count as posted
            self._save_posted(posted)

    def _flush(self) -> None:
        if self.sender is not None:
            self.sender.wake()
            return
        delivery = self.spool.deliver(self.poster)
        if delivery.error:
            log.warning("%d batch file(s) of events wait in %s: %s", delivery.pending,
                        self.spool.folder, delivery.error)
        elif delivery.sent:
            log.info("posted %d event(s) to %s: %d accepted, %d duplicate, %d rejected",
                     delivery.sent, self.poster.url, delivery.accepted, delivery.duplicates,
                     delivery.rejected)

    def _posted(self) -> dict[str, list[float]]:
        if not self.posted_path.exists():
            return {}
        return json.loads(self.posted_path.read_text())

    def _save_posted(self, posted: dict) -> None:
        self.posted_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(f"{self.posted_path}.tmp")
        temporary.write_text(json.dumps(posted, indent=0, sort_keys=True))
        temporary.replace(self.posted_path)
