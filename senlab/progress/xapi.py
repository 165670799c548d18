"""xAPI statements for the province's data platform: one per completion and per grade.

Statement ids are UUIDv5 of what they state, so exporting twice yields the same ids and
any learning record store keeps one copy. Actors are hub accounts on the hub's URL.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from senlab.progress.models import Completion, Course, Grade, Trainee

NAMESPACE = uuid.UUID("5e41ab00-5e41-4ab0-8000-000000000478")
COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed",
             "display": {"vi-VN": "đã hoàn thành", "en-US": "completed"}}
SCORED = {"id": "http://adlnet.gov/expapi/verbs/scored",
          "display": {"vi-VN": "đạt điểm", "en-US": "scored"}}
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"


def _timestamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _actor(base_url: str, username: str, full_name: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": full_name or username,
            "account": {"homePage": base_url, "name": username}}


def _course(base_url: str, course_id: str, title: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": f"{base_url}/courses/{course_id}",
            "definition": {"type": COURSE_TYPE, "name": {"und": title or course_id}}}


def completion_statements(session: Session, *, base_url: str, since: datetime | None,
                          limit: int) -> list[dict[str, Any]]:
    query = (select(Completion, Trainee.username, Trainee.full_name, Course.title)
             .join(Trainee, Trainee.id == Completion.trainee_id)
             .join(Course, Course.id == Completion.course_id)
             .order_by(Completion.completed_at).limit(limit))
    if since is not None:
        query = query.where(Completion.completed_at >= since)
    return [{
        "id": str(uuid.uuid5(NAMESPACE, f"completed/{username}/{c.course_id}")),
        "actor": _actor(base_url, username, full_name), "verb": COMPLETED,
        "object": _course(base_url, c.course_id, title),
        "result": {"completion": True, "success": True},
        "timestamp": _timestamp(c.completed_at),
        "context": {"platform": "SenLab"},
    } for c, username, full_name, title in session.execute(query)]


def grade_statements(session: Session, *, base_url: str, since: datetime | None,
                     limit: int) -> list[dict[str, Any]]:
    query = (select(Grade, Trainee.username, Trainee.full_name, Course.title)
             .join(Trainee, Trainee.id == Grade.trainee_id)
             .join(Course, Course.id == Grade.course_id)
             .order_by(Grade.recorded_at).limit(limit))
    if since is not None:
        query = query.where(Grade.recorded_at >= since)
    statements = []
    for g, username, full_name, title in session.execute(query):
        key = f"scored/{username}/{g.course_id}/{g.assignment}/{g.recorded_at.isoformat()}"
        statements.append({
            "id": str(uuid.uuid5(NAMESPACE, key)),
            "actor": _actor(base_url, username, full_name), "verb": SCORED,
            "object": {"objectType": "Activity",
                       "id": f"{base_url}/courses/{g.course_id}/assignments/{g.assignment}",
                       "definition": {"type": ASSESSMENT_TYPE, "name": {"und": g.assignment}}},
            "result": {"score": {"raw": g.score, "min": 0, "max": g.max_score,
                                 "scaled": round(g.score / g.max_score, 4)}},
            "timestamp": _timestamp(g.recorded_at),
            "context": {"platform": "SenLab", "contextActivities": {
                "parent": [_course(base_url, g.course_id, title)]}},
        })
    return statements


def statements(session: Session, *, base_url: str, since: datetime | None, limit: int
               ) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` statements from `since` on, oldest first, and whether more remain."""
    merged = completion_statements(session, base_url=base_url, since=since, limit=limit + 1)
    merged += grade_statements(session, base_url=base_url, since=since, limit=limit + 1)
    merged.sort(key=lambda s: (s["timestamp"], s["id"]))
    return merged[:limit], len(merged) > limit
