"""Demo data: the demo province a year into the plan, built from SenLab's real content.

``load_demo(settings)`` writes it into the progress database through the same paths real
data takes. Its parks and enterprises are the demo registry's (``senlab/data/
registry-demo.csv``, the one list of them), imported as ``senlab registry import`` imports
the Economic Zone Authority's list; some of its enterprises have nobody enrolled. Its
courses and assignments are those in ``courses/``, and its labs and checks are the ones
each assignment lists in its course.yaml, checked against ``labs/<lab>/lab.yaml``. Its
events are built by ``senlab.events``; each course is announced with the same rule the
publisher sends (``senlab.courses.labs.completion_rule``). Seeded, so every run gives the
same figures.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from senlab import events
from senlab.courses import Course, course_folder, list_courses
from senlab.courses.labs import completion_rule
from senlab.hub.cohort import DEMO_REGISTRY, Cohort, demo_cohort, demo_registry_bytes
from senlab.progress import db
from senlab.progress.crud import organisations as orgs
from senlab.progress.crud import registry
from senlab.progress.crud.ingest import ingest_batch
from senlab.progress.models import Trainee
from senlab.settings import Settings

START = datetime(2025, 11, 21, tzinfo=UTC)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hạnh", "Khoa", "Lan", "Minh", "Nhi", "Phúc"]


def demo_people(rng: random.Random, cohort: Cohort) -> list[tuple[str, str, str]]:
    """(username, full name, enterprise id) for the demo's technicians besides the cohort's."""
    people = []
    for index, enterprise in enumerate(cohort.enterprises):
        for staff in range(rng.randrange(0, 7)):
            people.append((f"kt{index:02d}{staff}",
                           f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}", enterprise.id))
    return people


def _trainee_events(rng: random.Random, name: str, course: Course) -> list[dict[str, Any]]:
    """A trainee's way through `course`, stopping at a random step: its labs, the checks its
    assignments list, its grades."""
    at = START + timedelta(days=rng.randrange(330))
    progress = rng.random()
    made = [events.enrolment_created(name, course.id, at)]
    labs = {a.lab: [c for b in course.assignments if b.lab == a.lab for c in b.checks]
            for a in course.assignments if a.lab}
    for lab, checks in labs.items():
        if progress < 0.85:
            made.append(events.lab_started(name, lab, course.id, at + timedelta(days=2)))
        for check in checks if progress < 0.65 else []:
            made.append(events.lab_check(name, lab, check, progress < 0.35,
                                         at + timedelta(days=5)))
    for assignment in course.assignments if progress < 0.45 else []:
        score = 6 + rng.randrange(5) if progress < 0.3 else rng.randrange(6)
        made.append(events.grade_recorded(course.id, assignment.id, name, score, 10,
                                          at + timedelta(days=12)))
    return made


def load_demo(settings: Settings, *, seed: int = 478) -> int:
    """Write the demo province unless trainees exist already; return trainees added."""
    cohort = demo_cohort()
    courses = list_courses(settings.repo_root / "courses")
    # The publisher's rule: a listed check that its lab lacks stops the demo here.
    published = [events.course_published(course, completion_rule(
        course, settings.repo_root / "labs", course_folder(settings, course.id) / "course.yaml"),
        START) for course in courses]
    engine = db.make_engine(settings.db_url)
    db.migrate(engine)
    rng = random.Random(seed)
    try:
        with db.session_scope(db.session_factory(engine)) as session:
            if session.scalar(select(func.count()).select_from(Trainee)):
                return 0
            registry.import_registry(
                session, source=DEMO_REGISTRY, made_by="demo",
                registry=registry.parse_registry(DEMO_REGISTRY, demo_registry_bytes()))
            people = demo_people(rng, cohort)
            for username, full_name, enterprise_id in people:
                orgs.upsert_trainee(session, username=username, full_name=full_name,
                                    enterprise_id=enterprise_id)
            batch = list(published)
            for username, *_rest in people:
                batch += _trainee_events(rng, username, rng.choice(courses))
            received = datetime.now(UTC).replace(tzinfo=None)
            for start in range(0, len(batch), events.MAX_BATCH):
                chunk = {"events": batch[start:start + events.MAX_BATCH]}
                ingest_batch(session, events=events.EventBatch.model_validate(chunk).events,
                             source="demo", received_at=received)
            return len(people)
    finally:
        engine.dispose()
