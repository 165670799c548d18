"""A small province for the access and report tests: two parks, two enterprises, two courses."""

from __future__ import annotations

from senlab.progress.crud import organisations as orgs
from tests.progress.conftest import course_event, event, in_session, post_events


def build_world(app, api) -> str:
    """Seed the world; return the certificate code trainee `an` earned in iot101."""
    with in_session(app) as session:
        orgs.upsert_park(session, park_id="KCN-SD", name="KCN Sa Đéc", kind="KCN")
        orgs.upsert_park(session, park_id="CCN-TB", name="CCN Tân Bình", kind="CCN")
        session.flush()
        orgs.upsert_enterprise(session, enterprise_id="E1", name="Công ty A", park_id="KCN-SD")
        orgs.upsert_enterprise(session, enterprise_id="E2", name="Công ty B", park_id="CCN-TB")
        session.flush()
        orgs.upsert_trainee(session, username="an", full_name="Nguyễn Văn An",
                            enterprise_id="E1")
        orgs.upsert_trainee(session, username="binh", full_name="Trần Thị Bình",
                            enterprise_id="E2")
        orgs.assign_manager(session, username="mgr1", enterprise_id="E1")
        orgs.assign_instructor(session, username="thay", course_id="iot101")
        orgs.assign_instructor(session, username="co", course_id="5g201")
    post_events(api, [
        course_event("iot101", tags=["iot"], assignments=["a1"]),
        course_event("5g201", tags=["5g"], assignments=["b1"]),
        event("enrolment.created", "2026-01-05T00:00:00Z", trainee="an", course="iot101"),
        event("enrolment.created", "2026-01-05T00:00:00Z", trainee="binh", course="iot101"),
        event("enrolment.created", "2026-01-05T00:00:00Z", trainee="binh", course="5g201"),
        event("grade.recorded", "2026-02-10T00:00:00Z", trainee="an", course="iot101",
              assignment="a1", score=9, max_score=10),
    ])
    response = api(None, "GET", "/api/health")
    assert response.status_code == 200
    with in_session(app) as session:
        from sqlalchemy import select

        from senlab.progress.models import Certificate
        return session.scalar(select(Certificate.code))
