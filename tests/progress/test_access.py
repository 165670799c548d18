"""Every role against every route: who gets in (200), who is refused (403), who must log in."""

from __future__ import annotations

import pytest

from senlab.progress.identity import Identity
from tests.progress.conftest import event
from tests.progress.world import build_world

PEOPLE = {
    "an": Identity("an", groups=frozenset({"trainees"})),
    "binh": Identity("binh", groups=frozenset({"trainees"})),
    "thay": Identity("thay", groups=frozenset({"instructors"})),
    "co": Identity("co", groups=frozenset({"instructors"})),
    "mgr1": Identity("mgr1", groups=frozenset({"managers"})),
    "dost1": Identity("dost1", groups=frozenset({"dost"})),
    "root": Identity("root", admin=True),
    "fleet": Identity("fleet", kind="service"),
    "nobody": None,
}
ROUTES = {
    "trainee an": ("GET", "/api/trainees/an/progress"),
    "trainee binh": ("GET", "/api/trainees/binh/progress"),
    "course iot101": ("GET", "/api/courses/iot101/progress"),
    "course 5g201": ("GET", "/api/courses/5g201/progress"),
    "enterprise E1": ("GET", "/api/enterprises/E1/progress"),
    "enterprise E2": ("GET", "/api/enterprises/E2/progress"),
    "goals": ("GET", "/api/goals?as_of=2026-06-20"),
    "post events": ("POST", "/api/events"),
    "xapi": ("GET", "/api/xapi/statements"),
    "metrics": ("GET", "/metrics"),
    "dashboard": ("GET", "/dashboard?as_of=2026-06-20"),
    "report": ("GET", "/api/reports/2026H1?format=csv"),
    "certificate pdf": ("GET", "/api/certificates/{code}/pdf"),
    "health": ("GET", "/api/health"),
    "verify": ("GET", "/verify/{code}"),
}
# Columns follow ROUTES' order. 302: a browser is sent to the hub to log in; 303: a person
# the dashboard has nothing for is sent to their own page (My progress).
EXPECTED = {
    #        tr-an tr-bi c-iot c-5g  e1   e2  goals post xapi metr dash  rep  pdf  hlth vrfy
    "an":     (200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 303, 403, 200, 200, 200),
    "binh":   (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 303, 403, 403, 200, 200),
    "thay":   (200, 200, 200, 403, 403, 403, 200, 403, 403, 403, 303, 403, 200, 200, 200),
    "co":     (403, 200, 403, 200, 403, 403, 200, 403, 403, 403, 303, 403, 403, 200, 200),
    "mgr1":   (200, 403, 200, 200, 200, 403, 200, 403, 403, 403, 200, 403, 200, 200, 200),
    "dost1":  (200, 200, 200, 200, 200, 200, 200, 403, 200, 200, 200, 200, 200, 200, 200),
    "root":   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "fleet":  (403, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403, 403, 403, 200, 200),
    "nobody": (401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 302, 401, 401, 200, 200),
}
CASES = [(who, route, EXPECTED[who][index])
         for who in PEOPLE for index, route in enumerate(ROUTES)]


@pytest.fixture
def world(app, api):
    return build_world(app, api)


def test_the_table_covers_every_role_and_route():
    assert set(EXPECTED) == set(PEOPLE)
    assert all(len(row) == len(ROUTES) for row in EXPECTED.values())


@pytest.mark.parametrize(("who", "route", "status"), CASES,
                         ids=[f"{w}-{r.replace(' ', '_')}" for w, r, _ in CASES])
def test_role_against_route(api, world, who, route, status):
    method, path = ROUTES[route]
    body = {"events": [event("lab.started", "2026-03-01T00:00:00Z", trainee="an",
                             lab="lab-x", course="iot101")]} if method == "POST" else None
    response = api(PEOPLE[who], method, path.format(code=world), json=body,
                   follow_redirects=False)
    assert response.status_code == status, response.text[:300]


def test_a_manager_sees_only_their_staff_in_a_course(api, world):
    body = api(PEOPLE["mgr1"], "GET", "/api/courses/iot101/progress").json()
    assert [t["username"] for t in body["trainees"]] == ["an"]
    assert body["funnel"]["enrolled"] == 1
    everyone = api(PEOPLE["dost1"], "GET", "/api/courses/iot101/progress").json()
    assert [t["username"] for t in everyone["trainees"]] == ["an", "binh"]


def test_a_trainee_sees_their_grades_completion_and_certificate(api, world):
    body = api(PEOPLE["an"], "GET", "/api/trainees/an/progress").json()
    (course,) = body["courses"]
    assert course["course"] == "iot101"
    assert course["grades"][0]["score"] == 9
    assert course["score_percent"] == 90.0
    assert course["certificate_code"] == world
    assert body["park"] == "KCN-SD"


def test_an_unknown_trainee_is_404_for_dost_and_403_for_others(api, world):
    assert api(PEOPLE["dost1"], "GET", "/api/trainees/ghost/progress").status_code == 404
    assert api(PEOPLE["an"], "GET", "/api/trainees/ghost/progress").status_code == 403


def test_a_login_redirect_goes_to_the_hub_authorize_url_with_state(api, world):
    response = api(None, "GET", "/dashboard", follow_redirects=False)
    assert response.headers["location"].startswith("/hub/api/oauth2/authorize?client_id=")
    assert "state=" in response.headers["location"]
    assert "senlab-progress-oauth-state" in response.headers["set-cookie"]


def test_an_oauth_callback_with_a_foreign_state_is_refused(api, world):
    response = api(None, "GET", "/oauth_callback?code=abc&state=forged")
    assert response.status_code == 400
    assert "state" in response.text


@pytest.fixture
def database_url(tmp_path) -> str:
    # Access rules do not depend on the database; the other modules run on both.
    return f"sqlite:///{tmp_path / 'progress.sqlite'}"


def test_the_login_cookie_does_not_authorise_posting_events(app, world):
    from fastapi.testclient import TestClient

    client = TestClient(app, cookies={"senlab-progress-token": "an-admin-token"})
    body = {"events": [event("lab.started", "2026-03-01T00:00:00Z", trainee="an",
                             lab="lab-x", course="iot101")]}
    response = client.post("/services/progress/api/events", json=body)
    assert response.status_code == 401
    assert "Authorization: token" in response.text
