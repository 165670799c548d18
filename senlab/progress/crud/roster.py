"""Writing a checked roster into the progress database (one transaction, idempotent).

Once the registry of parks and enterprises exists (``senlab registry import``), trainees
and managers belong to its enterprises: a row naming another enterprise, or the right
one in another park, is refused with its row and field, and the registry's names stand.
Before that, the roster's rows make the parks and enterprises they name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from senlab.progress.crud import organisations as orgs
from senlab.progress.crud.registry import registry_exists
from senlab.progress.crud.sql import insert_ignoring_conflicts
from senlab.progress.models import Certificate, Enrolment, Enterprise, Trainee
from senlab.roster import RosterError, RosterRow


def registry_problems(session: Session, *, rows: list[RosterRow]
                      ) -> list[tuple[int, str, str]]:
    """(row, field, message) for each trainee or manager outside the registry; none when
    there is no registry yet."""
    if not registry_exists(session):
        return []
    parks = dict(session.execute(select(Enterprise.id, Enterprise.park_id)).all())
    problems = []
    for row in rows:
        if row.role not in ("trainee", "manager"):
            continue
        if row.enterprise_id not in parks:
            problems.append((row.row, "enterprise_id",
                             f"enterprise {row.enterprise_id!r} is not in the registry of "
                             "parks and enterprises: add it there first (senlab registry "
                             "import)"))
        elif parks[row.enterprise_id] != row.park_id:
            problems.append((row.row, "park_id",
                             f"enterprise {row.enterprise_id!r} is in park "
                             f"{parks[row.enterprise_id]!r} in the registry, not "
                             f"{row.park_id!r}"))
    return problems


def write_roster(session: Session, *, rows: list[RosterRow],
                 path: Path = Path("roster")) -> None:
    problems = registry_problems(session, rows=rows)
    if problems:
        raise RosterError(path, problems)
    if not registry_exists(session):
        _place_from_roster(session, rows)
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


def _place_from_roster(session: Session, rows: list[RosterRow]) -> None:
    """Without a registry, the parks and enterprises the roster names."""
    people = [row for row in rows if row.role in ("trainee", "manager")]
    for row in people:
        orgs.upsert_park(session, park_id=row.park_id, name=row.park_name, kind=row.park_kind)
    session.flush()
    for row in people:
        orgs.upsert_enterprise(session, enterprise_id=row.enterprise_id,
                               name=row.enterprise_name, park_id=row.park_id)
    session.flush()


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
