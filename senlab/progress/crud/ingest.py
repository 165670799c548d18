"""Taking in a batch of events: store each new one once, then apply them to the results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.orm import Session

from senlab.events import EventIn, EventStatus
from senlab.progress.crud.completions import evaluate_completions, record_manual_completions
from senlab.progress.crud.hints import record_hints
from senlab.progress.crud.sql import (
    among,
    execute_many,
    insert_ignoring_conflicts,
    upsert_latest,
)
from senlab.progress.models import CheckResult, Course, Enrolment, Event, Grade, Lab, Trainee

Pair = tuple[int, str]


def ingest_batch(session: Session, *, events: Sequence[EventIn], source: str,
                 received_at: datetime) -> list[EventStatus]:
    """Store the batch's new events and apply them; each event's fate, in order:
    ``accepted``, or ``duplicate`` when its id is stored already or came earlier here."""
    keys = [str(item.id) for item in events]
    unique: dict[str, EventIn] = {}
    for key, item in zip(keys, events, strict=True):
        unique.setdefault(key, item)
    known = set(session.scalars(select(Event.id).where(among(session, Event.id, list(unique)))))
    new = {key: item for key, item in unique.items() if key not in known}
    if new:
        execute_many(session, insert(Event), [
            {"id": key, "type": item.type, "source": source,
             "occurred_at": item.occurred_at, "received_at": received_at, "data": item.data}
            for key, item in new.items()
        ])
        apply_events(session, events=list(new.values()))
    statuses: list[EventStatus] = []
    for key, item in zip(keys, events, strict=True):
        # Only the first of repeated ids in the batch is the one stored.
        statuses.append("accepted" if key in new and new[key] is item else "duplicate")
    return statuses


def apply_events(session: Session, *, events: Sequence[EventIn]) -> None:
    """Update courses, enrolments, grades, checks, hints and completions from `events`.

    A hint taken only ever lowers a score, so it completes nothing: it is stored, and the
    rule reads it at the next grade or check result."""
    by_type: dict[str, list[EventIn]] = defaultdict(list)
    for item in events:
        by_type[item.type].append(item)
    republished = _publish_courses(session, by_type["course.published"])
    lab_courses = _lab_courses(session, by_type)
    trainee_ids = _ensure_trainees(session, events)
    affected = _ensure_enrolments(session, by_type, lab_courses, trainee_ids)
    _record_grades(session, by_type["grade.recorded"], trainee_ids)
    _record_checks(session, by_type["lab.check"], trainee_ids)
    record_hints(session, by_type["hint.taken"], trainee_ids)
    _mark_lab_progress(session, by_type, lab_courses, trainee_ids)
    record_manual_completions(session, events=by_type["course.completed"],
                              trainee_ids=trainee_ids)
    for course_id in republished:
        affected.update(session.execute(
            select(Enrolment.trainee_id, Enrolment.course_id)
            .where(Enrolment.course_id == course_id)))
    evaluate_completions(session, pairs=sorted(affected))


def _publish_courses(session: Session, events: list[EventIn]) -> list[str]:
    latest: dict[str, dict[str, Any]] = {}
    for item in sorted(events, key=lambda e: e.occurred_at):
        latest[item.data["course"]] = item.data
    for course_id, data in latest.items():
        rule = data["rule"].model_dump(mode="json") if "rule" in data else None
        session.merge(Course(id=course_id, title=data.get("title", ""),
                             tags=data.get("tags", []), rule=rule))
        for lab in data.get("labs", []):
            session.merge(Lab(id=lab["id"], course_id=course_id, title=lab.get("title", "")))
    session.flush()
    return list(latest)


def _lab_courses(session: Session, by_type: dict[str, list[EventIn]]) -> dict[str, str]:
    """Map each lab named in the batch to its course, creating labs named with a course."""
    mapping: dict[str, str] = {}
    for item in by_type["lab.started"]:
        if item.data.get("course"):
            mapping.setdefault(item.data["lab"], item.data["course"])
    labs = {item.data["lab"] for kind in ("lab.started", "lab.check")
            for item in by_type[kind]}
    if labs:
        mapping.update(session.execute(
            select(Lab.id, Lab.course_id).where(among(session, Lab.id, sorted(labs)))).all())
    courses = {item.data["course"] for kind in ("enrolment.created", "grade.recorded",
                                               "course.completed") for item in by_type[kind]}
    courses.update(mapping.values())
    insert_ignoring_conflicts(session, Course, (
        {"id": course, "title": course, "tags": [], "rule": None}
        for course in sorted(courses)), keys=["id"])
    insert_ignoring_conflicts(session, Lab, (
        {"id": lab, "course_id": course, "title": lab}
        for lab, course in sorted(mapping.items())), keys=["id"])
    return mapping


def _ensure_trainees(session: Session, events: Sequence[EventIn]) -> dict[str, int]:
    """Map usernames to trainee ids; a trainee not in the roster yet is added bare."""
    names = sorted({item.data["trainee"] for item in events if "trainee" in item.data})
    if not names:
        return {}
    ids: dict[str, int] = dict(session.execute(
        select(Trainee.username, Trainee.id)
        .where(among(session, Trainee.username, names))).all())
    missing = [name for name in names if name not in ids]
    if missing:
        insert_ignoring_conflicts(session, Trainee, (
            {"username": name, "full_name": ""} for name in missing), keys=["username"])
        ids.update(session.execute(
            select(Trainee.username, Trainee.id)
            .where(among(session, Trainee.username, missing))).all())
    return ids


def _ensure_enrolments(session: Session, by_type: dict[str, list[EventIn]],
                       lab_courses: dict[str, str], trainee_ids: dict[str, int]) -> set[Pair]:
    first_seen: dict[Pair, datetime] = {}
    for kind in ("enrolment.created", "grade.recorded", "course.completed",
                 "lab.started", "lab.check"):
        for item in by_type[kind]:
            course = item.data.get("course") or lab_courses.get(item.data.get("lab", ""))
            if course is None:
                continue
            pair = (trainee_ids[item.data["trainee"]], course)
            first_seen[pair] = min(first_seen.get(pair, item.occurred_at), item.occurred_at)
    existing: set[Pair] = set()
    if first_seen:
        trainees = sorted({trainee for trainee, _ in first_seen})
        # Plain tuples: a Row compares equal to a tuple, but far more slowly.
        existing.update((trainee, course) for trainee, course in session.execute(
            select(Enrolment.trainee_id, Enrolment.course_id)
            .where(among(session, Enrolment.trainee_id, trainees))))
    insert_ignoring_conflicts(session, Enrolment, (
        {"trainee_id": trainee, "course_id": course, "enrolled_at": at}
        for (trainee, course), at in first_seen.items() if (trainee, course) not in existing),
        keys=["trainee_id", "course_id"])
    return set(first_seen)


def _record_grades(session: Session, events: list[EventIn], trainee_ids: dict[str, int]) -> None:
    rows = [{"trainee_id": trainee_ids[e.data["trainee"]], "course_id": e.data["course"],
             "assignment": e.data["assignment"], "score": e.data["score"],
             "max_score": e.data["max_score"], "recorded_at": e.occurred_at} for e in events]
    upsert_latest(session, Grade, _latest_per_key(rows, 3, "recorded_at"),
                  keys=["trainee_id", "course_id", "assignment"],
                  values=["score", "max_score"], time_column="recorded_at")


def _record_checks(session: Session, events: list[EventIn], trainee_ids: dict[str, int]) -> None:
    rows = [{"trainee_id": trainee_ids[e.data["trainee"]], "lab_id": e.data["lab"],
             "check_id": e.data["check"], "passed": e.data["passed"],
             "checked_at": e.occurred_at} for e in events]
    upsert_latest(session, CheckResult, _latest_per_key(rows, 3, "checked_at"),
                  keys=["trainee_id", "lab_id", "check_id"], values=["passed"],
                  time_column="checked_at")


def _latest_per_key(rows: list[dict[str, Any]], key_size: int, time: str) -> list[dict]:
    # One statement may not touch the same row twice on PostgreSQL: keep the latest.
    latest: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = tuple(list(row.values())[:key_size])
        if key not in latest or row[time] >= latest[key][time]:
            latest[key] = row
    return list(latest.values())


def _mark_lab_progress(session: Session, by_type: dict[str, list[EventIn]],
                       lab_courses: dict[str, str], trainee_ids: dict[str, int]) -> None:
    for kind, column in (("lab.started", Enrolment.lab_started_at),
                         ("lab.check", Enrolment.check_passed_at)):
        earliest: dict[Pair, datetime] = {}
        for item in by_type[kind]:
            course = lab_courses.get(item.data["lab"])
            if course is None or (kind == "lab.check" and not item.data["passed"]):
                continue
            pair = (trainee_ids[item.data["trainee"]], course)
            earliest[pair] = min(earliest.get(pair, item.occurred_at), item.occurred_at)
        for (trainee, course), at in earliest.items():
            session.execute(
                update(Enrolment)
                .where(Enrolment.trainee_id == trainee, Enrolment.course_id == course)
                .values({column: case((column.is_(None), at), (column > at, at),
                                      else_=column)}))
