"""Demo data: a province of parks, enterprises and technicians a year into the plan.

``load_demo(settings)`` writes it into the progress database through the same roster and
event paths real data takes (``senlab up --demo`` can call it). Seeded, so every run
gives the same figures.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from senlab.progress import db
from senlab.progress.crud import organisations as orgs
from senlab.progress.crud.ingest import ingest_batch
from senlab.progress.event_types import EventBatch
from senlab.progress.models import Trainee
from senlab.settings import Settings

PARKS = [("KCN-SADEC", "KCN Sa Đéc", "KCN"), ("KCN-TQT", "KCN Trần Quốc Toản", "KCN"),
         ("KCN-SONGHAU", "KCN Sông Hậu", "KCN"), ("KCN-TANKIEU", "KCN Tân Kiều", "KCN"),
         ("KCN-MYTHO", "KCN Mỹ Tho", "KCN"), ("KCN-TANHUONG", "KCN Tân Hương", "KCN"),
         ("CCN-TTT", "CCN Thường Thới Tiền", "CCN"), ("CCN-CAIGA", "CCN Cái Gà", "CCN"),
         ("CCN-BINHTHANH", "CCN Bình Thành", "CCN"), ("CCN-TANMY", "CCN Tân Mỹ", "CCN")]
SECTORS = ["Thủy sản", "Chế biến gạo", "Bao bì", "Dược phẩm", "Cơ khí", "Thức ăn chăn nuôi"]
COURSES = {
    "iot101": ("IoT cơ bản: cảm biến, MQTT và dữ liệu đo", ["iot"], ["mqtt-telemetry"],
               {"iot101-sensors": ["subscribed", "threshold-alarm"]}),
    "5g101": ("Vận hành mạng 5G riêng", ["5g"], ["kpi-basics"],
              {"5g-kpi-walk": ["rsrp-walk"]}),
    "5g201": ("Triển khai trạm nhỏ 5G", ["5g"], ["small-cell-plan"],
              {"5g-small-cells": ["coverage-check"]}),
    "smart301": ("Hệ thống quản lý thông minh KCN", ["smart-management", "iot"],
                 ["energy-dashboard"], {"energy-basics": ["meter-read"]}),
}
START = datetime(2025, 11, 21)


def _event(kind: str, at: datetime, **data) -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "occurred_at": at.isoformat(),
            "data": data}


def _course_events() -> list[dict]:
    return [_event("course.published", START, course=course, title=title, tags=tags,
                   assignments=assignments, pass_percent=60,
                   labs=[{"id": lab, "checks": checks} for lab, checks in labs.items()])
            for course, (title, tags, assignments, labs) in COURSES.items()]


def _trainee_events(rng: random.Random, name: str, courses: list[str]) -> list[dict]:
    events = []
    for course in courses:
        _title, _tags, assignments, labs = COURSES[course]
        at = START + timedelta(days=rng.randrange(330))
        events.append(_event("enrolment.created", at, trainee=name, course=course))
        progress = rng.random()
        for lab, checks in labs.items():
            if progress < 0.85:
                events.append(_event("lab.started", at + timedelta(days=2), trainee=name,
                                     lab=lab, course=course))
            for check in checks:
                if progress < 0.65:
                    events.append(_event("lab.check", at + timedelta(days=5), trainee=name,
                                         lab=lab, check=check, passed=progress < 0.35))
        for assignment in assignments:
            if progress < 0.45:
                score = 6 + rng.randrange(5) if progress < 0.3 else rng.randrange(6)
                events.append(_event("grade.recorded", at + timedelta(days=12),
                                     trainee=name, course=course, assignment=assignment,
                                     score=score, max_score=10))
    return events


def demo_people(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(username, full name, enterprise id, park id) for the demo's technicians."""
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"]
    given = ["An", "Bình", "Chi", "Dũng", "Hạnh", "Khoa", "Lan", "Minh", "Nhi", "Phúc"]
    people = []
    for park_index, (park, _name, _kind) in enumerate(PARKS):
        for number in range(1, 7):
            enterprise = f"{park}-DN{number}"
            for staff in range(rng.randrange(0, 7)):
                username = f"kt{park_index:02d}{number}{staff}"
                people.append((username, f"{rng.choice(family)} {rng.choice(given)}",
                               enterprise, park))
    return people


def load_demo(settings: Settings, *, seed: int = 478) -> int:
    """Write the demo province unless trainees exist already; return trainees added."""
    engine = db.make_engine(settings.db_url)
    db.migrate(engine)
    rng = random.Random(seed)
    try:
        with db.session_scope(db.session_factory(engine)) as session:
            if session.scalar(select(func.count()).select_from(Trainee)):
                return 0
            for park, name, kind in PARKS:
                orgs.upsert_park(session, park_id=park, name=name, kind=kind)
            session.flush()
            for park, name, _kind in PARKS:
                for number in range(1, 7):
                    orgs.upsert_enterprise(
                        session, enterprise_id=f"{park}-DN{number}", park_id=park,
                        name=f"Công ty {rng.choice(SECTORS)} {name.split(' ', 1)[1]} {number}")
            session.flush()
            people = demo_people(rng)
            for username, full_name, enterprise, _park in people:
                orgs.upsert_trainee(session, username=username, full_name=full_name,
                                    enterprise_id=enterprise)
            events = _course_events()
            for username, *_rest in people:
                courses = rng.sample(list(COURSES), k=rng.choice([1, 1, 2]))
                events += _trainee_events(rng, username, courses)
            batch = EventBatch.model_validate({"events": events[:10_000]}).events
            ingest_batch(session, events=batch, source="demo",
                         received_at=datetime.now(UTC).replace(tzinfo=None))
            return len(people)
    finally:
        engine.dispose()
