"""Bad requests get a 4xx that names the parameter or field and what is allowed; the
published schema says the same as the validation."""

from __future__ import annotations

import pytest

from senlab.progress.reports.data import PERIOD_PATTERN
from tests.progress.conftest import ADMIN
from tests.progress.world import build_world

NOT_UTF8 = b"\xff X \xfe \x16"


def only_problem(response) -> dict:
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    return problem


def test_an_offset_beyond_64_bits_names_the_offset_and_its_bound(api):
    problem = only_problem(api(ADMIN, "GET", "/api/courses/0/progress",
                               params={"offset": "64530604048507936768", "limit": "382"}))
    assert problem["loc"] == ["query", "offset"]
    assert problem["msg"] == "Input should be less than or equal to 1000000000"


def test_an_events_body_that_is_not_utf8_is_named_as_such(api):
    problem = only_problem(api(ADMIN, "POST", "/api/events", content=NOT_UTF8,
                               headers={"Content-Type": "application/json"}))
    assert problem["loc"] == ["body"] and problem["type"] == "body_not_utf8"
    assert problem["msg"].startswith("the body is not UTF-8 text (byte 0xFF at offset 0)")
    assert problem["input"] == "\\xff X \\xfe \x16"  # echoed as text, not as bytes


def test_an_events_body_that_is_not_json_is_named_as_such(api):
    problem = only_problem(api(ADMIN, "POST", "/api/events", content=b"events please",
                               headers={"Content-Type": "application/json"}))
    assert problem["loc"] == ["body"] and problem["type"] == "json_invalid"
    assert problem["msg"].startswith("the body is not JSON (")


def test_a_long_bad_body_is_echoed_cut_short(api):
    problem = only_problem(api(ADMIN, "POST", "/api/events", content=b"x" * 5000))
    assert len(problem["input"]) == 201 and problem["input"].endswith("…")


@pytest.mark.parametrize(("query", "says"), [
    ("since=0.5", "a time with its offset"),
    ("since=2026-05-02T00:00:00", "a time with its offset"),
])
def test_xapi_since_must_be_an_rfc3339_time(api, query, says):
    problem = only_problem(api(ADMIN, "GET", f"/api/xapi/statements?{query}"))
    assert problem["loc"] == ["query", "since"] and says in problem["msg"]


def test_xapi_since_with_an_offset_is_read_in_utc(api):
    response = api(ADMIN, "GET", "/api/xapi/statements?since=2026-05-02T07:00:00%2B07:00")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("as_of", ["1700000000", "1999-12-31", "2026-13-01"])
def test_as_of_must_be_a_date_in_the_plans_century(api, as_of):
    problem = only_problem(api(ADMIN, "GET", f"/api/goals?as_of={as_of}"))
    assert problem["loc"] == ["query", "as_of"]


def test_a_goals_period_without_targets_is_refused_with_the_periods_there_are(api):
    problem = only_problem(api(ADMIN, "GET", "/api/goals?period=2031-2035"))
    assert problem["loc"] == ["query", "period"]
    assert "'2025-2027'" in problem["msg"] and "'2028-2030'" in problem["msg"]


def test_an_empty_period_or_filter_is_no_filter(api):
    response = api(ADMIN, "GET", "/api/goals?period=&park=&enterprise=&course=")
    assert response.status_code == 200
    assert response.json()["filters"] == {"park": None, "enterprise": None, "course": None}


def test_the_dashboard_refuses_a_period_without_targets_too(api):
    problem = only_problem(api(ADMIN, "GET", "/dashboard?period=2031-2035"))
    assert problem["loc"] == ["query", "period"]


def test_a_report_period_that_is_not_a_year_or_its_first_half_is_named(api):
    problem = only_problem(api(ADMIN, "GET", "/api/reports/2026H2"))
    assert problem["loc"] == ["path", "period"] and PERIOD_PATTERN in problem["msg"]


@pytest.mark.parametrize(("path", "name"), [
    ("/api/trainees/an%20binh/progress", "name"),
    ("/api/courses/iot%2B101/progress", "course_id"),
    ("/api/enterprises/E%201/progress", "enterprise_id"),
    ("/api/verify/SL%207K2Q", "code"),
])
def test_an_id_with_characters_no_id_has_is_refused_naming_it(api, path, name):
    assert only_problem(api(ADMIN, "GET", path))["loc"] == ["path", name]


@pytest.fixture
def schema(app) -> dict:
    return app.openapi()


def parameter(schema: dict, path: str, name: str) -> dict:
    operation = schema["paths"][f"/services/progress{path}"]["get"]
    return next(p["schema"] for p in operation["parameters"] if p["name"] == name)


def test_the_schema_bounds_the_integers_it_takes(schema):
    assert parameter(schema, "/api/courses/{course_id}/progress", "offset")["maximum"] \
        == 1_000_000_000
    assert parameter(schema, "/api/courses/{course_id}/progress", "limit")["maximum"] == 1000
    assert parameter(schema, "/api/xapi/statements", "limit")["maximum"] == 5000


def test_the_schema_states_the_report_period_as_the_route_checks_it(schema):
    assert parameter(schema, "/api/reports/{period}", "period")["pattern"] == PERIOD_PATTERN


def test_the_schema_lists_the_periods_the_goals_have_targets_for(schema):
    for path in ("/api/goals", "/dashboard"):
        choices = parameter(schema, path, "period")["anyOf"][0]["enum"]
        assert choices == ["", "2025-2027", "2028-2030"]


def test_every_refusal_is_documented_as_json_even_on_a_page(schema):
    for path in ("/dashboard", "/metrics", "/api/trainees/{name}/progress"):
        responses = schema["paths"][f"/services/progress{path}"]["get"]["responses"]
        assert set(responses["403"]["content"]) == {"application/json"}
    assert "Refusal" in schema["components"]["schemas"]


def test_a_trainees_answer_links_to_their_certificate_course_and_enterprise(schema):
    operation = schema["paths"]["/services/progress/api/trainees/{name}/progress"]["get"]
    links = operation["responses"]["200"]["links"]
    assert links["verify_json"]["parameters"] == {
        "code": "$response.body#/courses/0/certificate_code"}
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {link["operationId"] for link in links.values()} <= ids


def test_times_in_answers_carry_their_offset(api):
    build_world(api.app, api)
    course = api(ADMIN, "GET", "/api/trainees/an/progress").json()["courses"][0]
    assert course["enrolled_at"].endswith("Z") and course["completed_at"].endswith("Z")


@pytest.mark.parametrize("method", ["OPTIONS", "PATCH", "POST"])
def test_a_method_a_path_does_not_serve_names_every_method_it_does(api, method):
    # /api/registry is served by two routes, GET and PUT: Starlette alone names one of them.
    response = api(ADMIN, method, "/api/registry")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "PUT"} <= allowed and method not in allowed
    assert "GET" in response.json()["detail"] and "PUT" in response.json()["detail"]
