"""The demo province: loaded once, through the real ingest, with results to show."""

from __future__ import annotations

from sqlalchemy import func, select

from senlab.progress.db import make_engine, session_factory
from senlab.progress.demo import load_demo
from senlab.progress.models import Certificate, Enrolment, Event, Park, Trainee


def test_the_demo_loads_once_with_parks_trainees_and_certificates(settings):
    added = load_demo(settings)
    assert added > 100
    assert load_demo(settings) == 0
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        def count(model):
            return session.scalar(select(func.count()).select_from(model))

        assert count(Trainee) == added
        assert count(Park) == 10
        assert 0 < count(Certificate) < count(Enrolment)
        assert count(Event) > added  # it went through the event log
        places = session.execute(select(Certificate.enterprise_id, Certificate.park_id)).all()
    engine.dispose()
    assert all(enterprise and park for enterprise, park in places)
