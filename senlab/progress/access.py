"""Who may see what. Roles come from hub groups; scopes come from the assignment tables.

| role | sees |
| --- | --- |
| trainee | themself only |
| instructor | the trainees enrolled in the courses they teach |
| manager | the trainees of the enterprise(s) they manage |
| DOST | everything, read-only |
| admin | everything |
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from senlab.progress.identity import Identity
from senlab.progress.models import Enrolment, InstructorAssignment, ManagerAssignment, Trainee


@dataclass(frozen=True)
class Scope:
    """What an identity may read: everything, or these enterprises and courses."""

    everything: bool
    enterprises: frozenset[str] = frozenset()
    courses: frozenset[str] = frozenset()


def scope_of(session: Session, identity: Identity) -> Scope:
    if identity.sees_everything:
        return Scope(everything=True)
    enterprises = frozenset(session.scalars(select(ManagerAssignment.enterprise_id).where(
        ManagerAssignment.username == identity.name))) if identity.is_manager else frozenset()
    courses = frozenset(session.scalars(select(InstructorAssignment.course_id).where(
        InstructorAssignment.username == identity.name))) if identity.is_instructor \
        else frozenset()
    return Scope(everything=False, enterprises=enterprises, courses=courses)


def forbid(what: str) -> HTTPException:
    return HTTPException(403, f"not allowed to {what}")


def require_trainee_visible(session: Session, identity: Identity, trainee: Trainee) -> None:
    """Raise 403 unless `identity` may read `trainee`'s progress."""
    if identity.sees_everything or (identity.name == trainee.username
                                    and not identity.is_service):
        return
    scope = scope_of(session, identity)
    if trainee.enterprise_id is not None and trainee.enterprise_id in scope.enterprises:
        return
    if scope.courses and session.scalar(select(Enrolment.course_id).where(
            Enrolment.trainee_id == trainee.id,
            Enrolment.course_id.in_(sorted(scope.courses))).limit(1)) is not None:
        return
    raise forbid(f"read the progress of trainee {trainee.username!r}")


def course_enterprise_filter(session: Session, identity: Identity, course_id: str
                             ) -> frozenset[str] | None:
    """None to see the whole course; a set of enterprises to see only their staff in it."""
    if identity.sees_everything:
        return None
    scope = scope_of(session, identity)
    if course_id in scope.courses:
        return None
    if scope.enterprises:
        return scope.enterprises
    raise forbid(f"read the progress of course {course_id!r}")


def require_enterprise_visible(session: Session, identity: Identity, enterprise_id: str) -> None:
    if identity.sees_everything or enterprise_id in scope_of(session, identity).enterprises:
        return
    raise forbid(f"read the progress of enterprise {enterprise_id!r}")


def dashboard_scope(session: Session, identity: Identity) -> Scope:
    """DOST and admins see the province; managers see their enterprises; others nothing."""
    scope = scope_of(session, identity)
    if scope.everything or scope.enterprises:
        return scope
    raise forbid("read the dashboard (DOST, managers and admins only)")


def require_province_reader(identity: Identity, what: str) -> None:
    if not identity.sees_everything:
        raise forbid(what)


def require_event_poster(identity: Identity) -> None:
    if not identity.may_post_events:
        raise forbid("post events (only the fleet and grader services and admins may)")
