"""The dashboard's queries on a known province: funnels, the shares' denominators, first
certificates per owner, and the filter options, each figure worked out here."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from senlab.progress.access import Scope
from senlab.progress.crud.progress import funnels
from senlab.progress.dashboard import render_dashboard
from senlab.progress.goals import Filters, ProgressFacts, load_goals
from senlab.progress.models import (
    Certificate,
    Course,
    Enrolment,
    Enterprise,
    Park,
    Trainee,
)
from senlab.progress.schemas import Funnel
from tests.progress.conftest import ADMIN, in_session

# Park P3 has no enterprise yet; E2's name needs escaping in HTML.
ENTERPRISES = {"E1": ("Công ty A", "P1"), "E2": ('B <&> "C"', "P1"), "E3": ("Công ty D", "P2")}
PARKS = {"P1": "KCN Sa Đéc", "P2": "CCN Tân Bình", "P3": "KCN Sông Hậu"}
# trainee: enterprise, and per course how far they got: 0 enrolled, 1 started a lab,
# 2 passed a check, 3 completed.
TRAINEES = {
    "t1": ("E1", {"c1": 3, "c2": 1}),
    "t2": ("E1", {"c1": 2}),
    "t3": ("E2", {"c1": 0, "c2": 3}),
    "t4": ("E3", {"c1": 1, "c2": 2}),
    "t5": (None, {"c2": 0}),
}
# Certificates: (trainee, course, day issued, enterprise and park at the time).
CERTIFICATES = [
    ("t1", "c1", "2026-02-10", "E1", "P1"),
    ("t3", "c2", "2026-03-05", "E2", "P1"),
    ("t1", "c2", "2026-04-01", "E1", "P1"),  # t1's second: counts once, in February
    ("t4", "c2", "2026-05-20", "E3", "P2"),
]
DAYS = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
        date(2026, 5, 31)]


@pytest.fixture
def province(app):
    with in_session(app) as session:
        session.add_all(Park(id=p, name=name, kind=name[:3]) for p, name in PARKS.items())
        session.flush()
        session.add_all(Enterprise(id=e, name=name, park_id=park)
                        for e, (name, park) in ENTERPRISES.items())
        session.add_all([Course(id="c1", title="5G cơ bản", tags=["5g"]),
                         Course(id="c2", title="IoT cơ bản", tags=["iot"])])
        session.flush()
        ids = {}
        for name, (enterprise, _courses) in TRAINEES.items():
            trainee = Trainee(username=name, full_name=name, enterprise_id=enterprise)
            session.add(trainee)
            session.flush()
            ids[name] = trainee.id
        step = [datetime(2026, 1, d) for d in (5, 8, 15, 20)]
        session.add_all(
            Enrolment(trainee_id=ids[name], course_id=course, enrolled_at=step[0],
                      lab_started_at=step[1] if reached >= 1 else None,
                      check_passed_at=step[2] if reached >= 2 else None,
                      completed_at=step[3] if reached >= 3 else None)
            for name, (_e, courses) in TRAINEES.items() for course, reached in courses.items())
        session.add_all(
            Certificate(code=f"{name}-{course}", trainee_id=ids[name], course_id=course,
                        issued_at=datetime.fromisoformat(f"{day}T10:00:00"),
                        enterprise_id=enterprise, park_id=park)
            for name, course, day, enterprise, park in CERTIFICATES)
    return app


def funnel(enrolled: int, started: int, passed: int, completed: int) -> Funnel:
    return Funnel(enrolled=enrolled, started_lab=started, passed_check=passed,
                  completed=completed)


def test_funnels_count_every_step_per_course(province):
    with in_session(province) as session:
        assert funnels(session) == {"c1": funnel(4, 3, 2, 1), "c2": funnel(4, 3, 2, 1)}


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"course_ids": ["c2"]}, {"c2": funnel(4, 3, 2, 1)}),
    ({"enterprise_ids": frozenset({"E1"})}, {"c1": funnel(2, 2, 2, 1), "c2": funnel(1, 1, 0, 0)}),
    ({"enterprise_ids": frozenset({"E2", "E3"})},
     {"c1": funnel(2, 1, 0, 0), "c2": funnel(2, 2, 2, 1)}),
    ({"park_id": "P1"}, {"c1": funnel(3, 2, 2, 1), "c2": funnel(2, 2, 1, 1)}),
    ({"park_id": "P2", "course_ids": ["c1"]}, {"c1": funnel(1, 1, 0, 0)}),
    ({"park_id": "P3"}, {}),
    ({"enterprise_ids": frozenset()}, {}),
])
def test_funnels_follow_course_enterprise_and_park_filters(province, kwargs, expected):
    with in_session(province) as session:
        assert funnels(session, **kwargs) == expected


@pytest.mark.parametrize(("filters", "enterprises", "parks"), [
    (Filters(), 3, 3),  # unfiltered, a park with no enterprise still counts
    (Filters(park="P1"), 2, 1),
    (Filters(park="P3"), 0, 0),
    (Filters(enterprise="E3"), 1, 1),
    (Filters(enterprises=frozenset({"E1", "E3"})), 2, 2),  # a manager of two
    (Filters(park="P1", enterprises=frozenset({"E1", "E3"})), 1, 1),
])
def test_the_shares_are_out_of_the_enterprises_and_parks_in_scope(province, filters,
                                                                  enterprises, parks):
    with in_session(province) as session:
        facts = ProgressFacts(session, filters)
        assert (facts.enterprise_count, facts.park_count) == (enterprises, parks)


@pytest.mark.parametrize(("owner", "filters", "expected"), [
    # t1 (Feb, then Apr again), t3 (Mar), t4 (May): each counted from their first.
    ("trainee", Filters(), [0, 1, 2, 2, 3]),
    ("enterprise", Filters(), [0, 1, 2, 2, 3]),
    ("park", Filters(), [0, 1, 1, 1, 2]),
    ("trainee", Filters(park="P1"), [0, 1, 2, 2, 2]),
    ("trainee", Filters(course="c2"), [0, 0, 1, 2, 3]),
    ("enterprise", Filters(enterprise="E1"), [0, 1, 1, 1, 1]),
    ("trainee", Filters(enterprises=frozenset({"E3"})), [0, 0, 0, 0, 1]),
])
def test_each_owner_counts_from_its_first_certificate(province, owner, filters, expected):
    with in_session(province) as session:
        facts = ProgressFacts(session, filters)
        assert facts.reached_by({"5g", "iot"}, owner, DAYS) == expected
        assert facts.reached_by({"smart-management"}, owner, DAYS) == [0] * len(DAYS)


def page(app, *, scope: Scope, filters: Filters | None = None) -> str:
    with in_session(app) as session:
        return render_dashboard(session, identity=ADMIN, scope=scope,
                                indicators=load_goals(), lang="en",
                                filters=filters or Filters(),
                                period=None, as_of=date(2026, 6, 15),
                                prefix="/services/progress/", query={})


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert select, f"no {name} filter"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def funnel_figures(html: str) -> list[list[int]]:
    return [[int(n) for n in re.findall(r">(\d+)</text>", svg)]
            for svg in re.findall(r'<svg class="funnel".*?</svg>', html, re.S)]


def test_the_page_lists_every_option_escaped_in_name_order(province):
    html = page(province, scope=Scope(everything=True))
    assert options(html, "park") == ["", "P2", "P1", "P3"]  # CCN Tân Bình, KCN Sa Đéc, ...
    assert options(html, "enterprise") == ["", "E2", "E1", "E3"]
    assert options(html, "course") == ["", "c1", "c2"]
    assert '<option value="E2">B &lt;&amp;&gt; &#34;C&#34;</option>' in html
    assert 'B <&>' not in html
    assert funnel_figures(html) == [[4, 3, 2, 1], [4, 3, 2, 1]]


def test_the_page_marks_the_chosen_filters_and_counts_within_them(province):
    html = page(province, scope=Scope(everything=True),
                filters=Filters(park="P1", enterprise="E1", course="c1"))
    for name, value in (("park", "P1"), ("enterprise", "E1"), ("course", "c1")):
        select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
        assert select and re.findall(r'<option value="([^"]*)" selected>',
                                     select.group(1)) == [value]
    assert funnel_figures(html) == [[2, 2, 2, 1]]


def test_a_managers_page_offers_only_their_enterprises_and_parks(province):
    manager = Scope(everything=False, enterprises=frozenset({"E1", "E3"}))
    html = page(province, scope=manager)
    assert options(html, "enterprise") == ["", "E1", "E3"]
    assert options(html, "park") == ["", "P2", "P1"]
    assert funnel_figures(html) == [[3, 3, 2, 1], [2, 2, 1, 0]]
    assert "api/reports" not in html


def test_an_empty_province_has_empty_filters_and_no_funnels(app):
    html = page(app, scope=Scope(everything=True))
    assert options(html, "enterprise") == [""] and options(html, "park") == [""]
    assert funnel_figures(html) == []
