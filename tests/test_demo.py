"""The demo province: loaded once, through the real ingest, from SenLab's real content."""

from __future__ import annotations

from sqlalchemy import func, select

from lab_devices.labs.labfile import load_lab
from senlab.courses import list_courses
from senlab.demo import load_demo
from senlab.hub.cohort import demo_cohort
from senlab.progress.db import make_engine, session_factory
from senlab.progress.models import (
    Certificate,
    CheckResult,
    Course,
    Enrolment,
    Enterprise,
    Event,
    Grade,
    Lab,
    Park,
    Trainee,
)
from senlab.settings import REPO_ROOT


def test_the_demo_loads_once_with_parks_trainees_and_certificates(settings):
    added = load_demo(settings)
    assert added > 50
    assert load_demo(settings) == 0
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        def count(model):
            return session.scalar(select(func.count()).select_from(model))

        assert count(Trainee) == added
        assert 0 < count(Certificate) < count(Enrolment)
        assert count(Event) > added  # it went through the event log
        places = session.execute(select(Certificate.enterprise_id, Certificate.park_id)).all()
    engine.dispose()
    assert all(enterprise and park for enterprise, park in places)


def test_the_demo_province_is_the_cohorts_parks_and_enterprises(settings):
    load_demo(settings)
    cohort = demo_cohort()
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        parks = session.execute(select(Park.id, Park.name)).all()
        enterprises = dict(session.execute(select(Enterprise.id, Enterprise.park_id)).all())
    engine.dispose()
    assert sorted(parks) == sorted((p.id, p.name) for p in cohort.parks)
    assert len({name for _, name in parks}) == len(parks) == 10
    assert enterprises == {e.id: e.park for e in cohort.enterprises}
    trainee1 = next(u for u in cohort.users if u.username == "trainee1")
    assert enterprises[trainee1.enterprise] == "kcn-sa-dec"


def test_every_course_lab_and_check_of_the_demo_is_one_the_content_lists(settings):
    load_demo(settings)
    courses = {c.id: c for c in list_courses(REPO_ROOT / "courses")}
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        course_ids = set(session.scalars(select(Course.id)))
        labs = dict(session.execute(select(Lab.id, Lab.course_id)).all())
        graded = set(session.execute(select(Grade.course_id, Grade.assignment)))
        checked = set(session.execute(select(CheckResult.lab_id, CheckResult.check_id)))
    engine.dispose()
    assert course_ids == set(courses)
    assert graded and graded <= {(c.id, a.id) for c in courses.values() for a in c.assignments}
    for lab, course in labs.items():
        assert lab in {a.lab for a in courses[course].assignments}
    in_lab_files = {(lab, check.id) for lab in labs
                    for check in load_lab(REPO_ROOT / "labs" / lab / "lab.yaml").checks}
    listed = {(a.lab, check) for c in courses.values() for a in c.assignments
              for check in a.checks}
    assert checked and checked <= listed <= in_lab_files


def test_the_demo_province_is_imported_from_the_shipped_registry_file(settings):
    from senlab.hub.cohort import demo_registry_bytes
    from senlab.progress.crud.registry import coverage, parse_registry
    from senlab.progress.models import RegistryRevision

    load_demo(settings)
    shipped = parse_registry("registry-demo.csv", demo_registry_bytes())
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        revisions = session.scalars(select(RegistryRevision)).all()
        reach = coverage(session)
        enterprises = set(session.scalars(select(Enterprise.id)))
    engine.dispose()
    assert [(r.what, r.made_by) for r in revisions] == [("import registry-demo.csv", "demo")]
    assert enterprises == {row.enterprise_id for row in shipped.enterprises}
    assert (reach.registry, reach.parks, reach.enterprises) == (
        True, len(shipped.parks), len(shipped.enterprises))
    # Some of the registry's enterprises have nobody enrolled: the shares count them too.
    assert reach.enterprises_without_trainees > 0


def test_every_cohort_user_works_at_a_registry_enterprise():
    cohort = demo_cohort()
    enterprises = {e.id for e in cohort.enterprises}
    assert all(u.enterprise in enterprises for u in cohort.users if u.enterprise)
