"""Writing a checked roster into the progress database (one transaction, idempotent)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from senlab.progress.crud import organisations as orgs
from senlab.progress.crud.sql import insert_ignoring_conflicts
from senlab.progress.models import Certificate, Enrolment, Enterprise, Trainee
from senlab.roster import RosterRow


def write_roster(session: Session, *, rows: list[RosterRow]) -> None:
    people = [row for row in rows if row.role in ("trainee", "manager")]
    for row in people:
        orgs.upsert_park(session, park_id=row.park_id, name=row.park_name, kind=row.park_kind)
    session.flush()
    for row in people:
        orgs.upsert_enterprise(session, enterprise_id=row.enterprise_id,
                               name=row.enterprise_name, park_id=row.park_id)
    session.flush()
    now = datetime.now(UTC).replace(tzinfo=None)
    enrolments = []
    for row in rows:
        if row.role == "trainee":
            trainee = orgs.upsert_trainee(session, username=row.username,
                                          full_name=row.full_name,
                                          enterprise_id=row.enterprise_id)
            session.flush()
            for course in row.courses:
                orgs.ensure_course(session, course_id=course)
                enrolments.append({"trainee_id": trainee.id, "course_id": course,
                                   "enrolled_at": now})
        elif row.role == "manager":
            orgs.assign_manager(session, username=row.username, enterprise_id=row.enterprise_id)
        elif row.role == "instructor":
            for course in row.courses:
                orgs.assign_instructor(session, username=row.username, course_id=course)
    session.flush()
    insert_ignoring_conflicts(session, Enrolment, enrolments, keys=["trainee_id", "course_id"])
    _place_unplaced_certificates(session)


def _place_unplaced_certificates(session: Session) -> None:
    """Certificates earned before their holder was on the roster get its workplace now."""
    workplace = (select(Enterprise.id, Enterprise.park_id)
                 .join(Trainee, Trainee.enterprise_id == Enterprise.id)
                 .where(Trainee.id == Certificate.trainee_id))
    session.execute(
        update(Certificate).where(Certificate.enterprise_id.is_(None))
        .values(enterprise_id=workplace.with_only_columns(Enterprise.id).scalar_subquery(),
                park_id=workplace.with_only_columns(Enterprise.park_id).scalar_subquery())
        .execution_options(synchronize_session=False))
