"""Parks, enterprises, trainees and the manager and instructor assignments (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from senlab.progress.models import (
    Course,
    Enterprise,
    InstructorAssignment,
    ManagerAssignment,
    Park,
    Trainee,
)


def upsert_park(session: Session, *, park_id: str, name: str, kind: str) -> Park:
    park = session.get(Park, park_id) or Park(id=park_id)
    park.name, park.kind = name, kind
    session.add(park)
    return park


def upsert_enterprise(session: Session, *, enterprise_id: str, name: str,
                      park_id: str) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id) or Enterprise(id=enterprise_id)
    enterprise.name, enterprise.park_id = name, park_id
    session.add(enterprise)
    return enterprise


def upsert_trainee(session: Session, *, username: str, full_name: str,
                   enterprise_id: str | None) -> Trainee:
    trainee = session.scalar(select(Trainee).where(Trainee.username == username)) \
        or Trainee(username=username)
    trainee.full_name, trainee.enterprise_id = full_name, enterprise_id
    session.add(trainee)
    return trainee


def assign_manager(session: Session, *, username: str, enterprise_id: str) -> None:
    if session.get(ManagerAssignment, (username, enterprise_id)) is None:
        session.add(ManagerAssignment(username=username, enterprise_id=enterprise_id))


def ensure_course(session: Session, *, course_id: str) -> Course:
    course = session.get(Course, course_id)
    if course is None:
        course = Course(id=course_id, title=course_id, tags=[], rule=None)
        session.add(course)
        session.flush()
    return course


def assign_instructor(session: Session, *, username: str, course_id: str) -> None:
    ensure_course(session, course_id=course_id)
    if session.get(InstructorAssignment, (username, course_id)) is None:
        session.add(InstructorAssignment(username=username, course_id=course_id))
