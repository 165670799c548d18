"""Hints through the progress service: the ``hint.taken`` event's schema, stored once per
trainee, lab and check, applied by the completion rule (never twice), shown in the
trainee's progress and in the lab check; and the trainee's route
``POST /api/labs/{lab}/checks/{check}/hint``, which asks the real fleet control app in
process, as tests/progress/test_lab_check.py does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from lab_devices.fleet.runtime import Fleet
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.fake import FakeBroker
from senlab import events
from senlab.fleet import event_of
from senlab.lab import Hint, Lab
from senlab.progress.identity import Identity
from senlab.progress.models import HintTaken
from senlab.settings import REPO_ROOT
from tests.progress.conftest import (
    ADMIN,
    GRADER,
    event,
    in_session,
    post_events,
)
from tests.progress.test_lab_check import AN, LAB, InProcessFleet, call, publish_iot101

BINH = Identity("binh", groups=frozenset({"trainees"}))


def rule(*, hint_cost: float = 1, pass_mark: float = 70, min_average: float = 0
         ) -> dict[str, Any]:
    """course c1: one assignment a1 listing lab1's checks k1 and k2; hints cost `hint_cost`."""
    return {"pass_marks": {"a1": pass_mark}, "required": ["a1"], "min_average": min_average,
            "hint_costs": {"a1": hint_cost} if hint_cost else {},
            "checks": [{"assignment": "a1", "lab": "lab1", "check": k,
                        "title": {"vi": f"Bước {k}", "en": f"Step {k}"}} for k in ("k1", "k2")]}


def published(**kwargs: Any) -> dict[str, Any]:
    return event("course.published", "2026-01-01T00:00:00Z", course="c1", title="C1",
                 labs=[{"id": "lab1"}], rule=rule(**kwargs))


def passed(trainee: str, check: str, at: str) -> dict[str, Any]:
    return event("lab.check", at, trainee=trainee, lab="lab1", check=check, passed=True)


def hint(trainee: str, check: str, at: str, lab: str = "lab1") -> dict[str, Any]:
    return event("hint.taken", at, trainee=trainee, lab=lab, check=check)


def grade(trainee: str, score: float, at: str) -> dict[str, Any]:
    return event("grade.recorded", at, course="c1", assignment="a1", trainee=trainee,
                 score=score, max_score=10)


def progress(api, name: str) -> dict[str, Any]:
    response = api(ADMIN, "GET", f"/api/trainees/{name}/progress")
    assert response.status_code == 200, response.text
    [course] = response.json()["courses"]
    return course


# -- the event ---------------------------------------------------------------------------

def test_the_builder_makes_an_event_of_the_services_schema() -> None:
    made = events.hint_taken("an", "iot101-sensors", "stuck-pm25")
    assert made["type"] == "hint.taken"
    assert made["data"] == {"trainee": "an", "lab": "iot101-sensors", "check": "stuck-pm25"}
    parsed = events.EventBatch.model_validate({"events": [made]}).events[0]
    assert isinstance(parsed, events.HintTakenEvent)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"trainee": "an", "lab": "lab1"}, "check"),
     ({"trainee": "an", "lab": "lab1", "check": "k1", "points": 1}, "points"),
     ({"trainee": "an nguyen", "lab": "lab1", "check": "k1"}, "trainee"),
     ({"trainee": "an", "lab": "lab/1", "check": "k1"}, "lab")])
def test_a_bad_hint_event_names_its_field(data, field) -> None:
    with pytest.raises(ValidationError) as caught:
        events.make_event("hint.taken", data)
    [error] = caught.value.errors()
    assert error["loc"][:3] == ("hint.taken", "data", field)


def test_the_published_schema_has_the_hint_event(api) -> None:
    document = api.client.get(f"{api.prefix}/openapi.json").json()
    schemas = document["components"]["schemas"]
    mapping = schemas["EventBatch"]["properties"]["events"]["items"]["discriminator"]["mapping"]
    assert "hint.taken" in mapping
    assert schemas["HintTaken"]["required"] == ["trainee", "lab", "check"]
    assert schemas["HintTaken"]["additionalProperties"] is False


def test_the_service_rejects_a_bad_hint_event_naming_the_field(api) -> None:
    bad = event("hint.taken", "2026-01-02T00:00:00Z", trainee="an", lab="lab1")
    answer = api(GRADER, "POST", "/api/events", json={"events": [bad]}).json()
    assert answer["results"] == ["rejected"]
    assert answer["errors"][0]["loc"][-1] == "check"


# -- stored once, applied by the rule -----------------------------------------------------

def test_a_hint_is_stored_once_with_its_first_time(app, api) -> None:
    later = hint("an", "k1", "2026-01-05T10:00:00Z")
    post_events(api, [published(), later])
    # The same hint again (another id), earlier, and the first event sent twice.
    earlier = hint("an", "k1", "2026-01-05T09:00:00Z")
    assert post_events(api, [earlier, later])["duplicates"] == 1
    with in_session(app) as session:
        rows = session.execute(select(HintTaken.lab_id, HintTaken.check_id,
                                      HintTaken.taken_at)).all()
    assert [(lab, check, at.isoformat()) for lab, check, at in rows] == [
        ("lab1", "k1", "2026-01-05T09:00:00")]


def test_two_hints_at_one_point_take_8_of_10_below_a_70_pass_mark(app, api) -> None:
    post_events(api, [published(),
                      passed("an", "k1", "2026-01-02T00:00:00Z"),
                      passed("an", "k2", "2026-01-02T00:00:00Z"),
                      hint("an", "k1", "2026-01-01T10:00:00Z"),
                      hint("an", "k2", "2026-01-01T11:00:00Z"),
                      # Asked for again: costs nothing more.
                      hint("an", "k2", "2026-01-01T12:00:00Z"),
                      # No assignment lists k9: free.
                      hint("an", "k9", "2026-01-01T12:00:00Z"),
                      grade("an", 8, "2026-01-03T00:00:00Z")])
    course = progress(api, "an")
    # 8 - 2 hints x 1 point = 6 of 10: 60 % < 70, not completed.
    assert course["completed_at"] is None and course["certificate_code"] is None
    [graded] = course["grades"]
    assert (graded["score"], graded["hints"], graded["hint_points"],
            graded["effective_score"]) == (8, 2, 2, 6)
    assert course["hint_points"] == 2
    assert [(h["check"], h["points"]) for h in course["hints"]] == [
        ("k1", 1), ("k2", 1), ("k9", 0)]
    assert course["hints"][1]["taken_at"] == "2026-01-01T11:00:00Z"


def test_the_same_grade_without_hints_completes(api) -> None:
    post_events(api, [published(),
                      passed("binh", "k1", "2026-01-02T00:00:00Z"),
                      passed("binh", "k2", "2026-01-02T00:00:00Z"),
                      grade("binh", 8, "2026-01-03T00:00:00Z")])
    course = progress(api, "binh")
    # 8 of 10 = 80 % >= 70.
    assert course["completed_at"] == "2026-01-03T00:00:00Z"
    assert course["grades"][0]["effective_score"] == 8 and course["hint_points"] == 0


def test_one_hint_still_passes_and_the_snapshot_keeps_what_it_cost(app, api) -> None:
    post_events(api, [published(),
                      passed("an", "k1", "2026-01-02T00:00:00Z"),
                      passed("an", "k2", "2026-01-02T00:00:00Z"),
                      hint("an", "k1", "2026-01-01T10:00:00Z"),
                      grade("an", 8, "2026-01-03T00:00:00Z")])
    # 8 - 1 = 7 of 10: 70 % >= 70.
    assert progress(api, "an")["completed_at"] == "2026-01-03T00:00:00Z"
    from senlab.progress.models import Completion
    with in_session(app) as session:
        criteria = session.scalars(select(Completion.criteria)).one()
    assert criteria["percents"] == {"a1": 70.0} and criteria["hint_points"] == {"a1": 1.0}


def test_a_hint_taken_after_the_completion_does_not_take_it_back(api) -> None:
    post_events(api, [published(),
                      passed("an", "k1", "2026-01-02T00:00:00Z"),
                      passed("an", "k2", "2026-01-02T00:00:00Z"),
                      grade("an", 8, "2026-01-03T00:00:00Z")])
    post_events(api, [hint("an", "k1", "2026-01-04T00:00:00Z"),
                      hint("an", "k2", "2026-01-04T00:00:00Z"),
                      grade("an", 8, "2026-01-05T00:00:00Z")])
    course = progress(api, "an")
    assert course["completed_at"] == "2026-01-03T00:00:00Z" and course["certificate_code"]
    assert course["grades"][0]["effective_score"] == 6  # shown, though the course stands


def test_free_hints_cost_nothing(api) -> None:
    post_events(api, [published(hint_cost=0),
                      passed("an", "k1", "2026-01-02T00:00:00Z"),
                      passed("an", "k2", "2026-01-02T00:00:00Z"),
                      hint("an", "k1", "2026-01-01T10:00:00Z"),
                      hint("an", "k2", "2026-01-01T10:00:00Z"),
                      grade("an", 7, "2026-01-03T00:00:00Z")])
    course = progress(api, "an")
    # 7 of 10 = 70 % >= 70; the hints are listed at 0 points.
    assert course["completed_at"] == "2026-01-03T00:00:00Z"
    assert [h["points"] for h in course["hints"]] == [0, 0]


# -- the trainee's route, through the fleet -----------------------------------------------

@pytest.fixture
def fleet_records() -> list:
    return []


@pytest.fixture
def client(app, fleet_records) -> Iterator[TestClient]:
    fleet = Fleet(FakeBroker().connect, load_labs(REPO_ROOT / "labs"),
                  events=fleet_records.extend)
    app.state.fleet = InProcessFleet(app.state.settings, fleet)
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()


def ask(app, client, who: Identity, check: str, lab: str = LAB, **headers: str):
    return call(app, client, who, "POST", f"/api/labs/{lab}/checks/{check}/hint",
                headers=headers)


def test_a_hint_in_the_trainees_language_with_what_it_costs(app, client) -> None:
    publish_iot101(app, client)
    answer = ask(app, client, AN, "ping-station", **{"accept-language": "en-GB,en;q=0.8"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["lang"] == "en" and body["text"] == body["hint"]["en"]
    assert body["text"].startswith("Commands go to .../air-1/cmd")
    assert body["already_taken"] is False
    # iot101 lists ping-station under mqtt-telemetry, at 1 point a hint.
    assert body["costs"] == [{"course": "iot101", "assignment": "mqtt-telemetry",
                              "points": 1.0}]
    # No Accept-Language: Vietnamese.
    assert ask(app, client, BINH, "ping-station").json()["text"] == body["hint"]["vi"]


def test_a_hint_no_course_lists_is_free(app, client) -> None:
    publish_iot101(app, client)
    body = ask(app, client, AN, "stuck-pm25").json()
    assert body["hint"]["en"] and body["costs"] == []


def test_asking_twice_is_recorded_once_and_says_so(app, client, fleet_records) -> None:
    publish_iot101(app, client)
    first = ask(app, client, AN, "ping-station").json()
    second = ask(app, client, AN, "ping-station").json()
    assert (first["already_taken"], second["already_taken"]) == (False, True)
    # The fleet's records, as its sink posts them: two events, one hint stored.
    made = [event_of(r) for r in fleet_records]
    assert [e["type"] for e in made] == ["hint.taken", "hint.taken"]
    response = call(app, client, GRADER, "POST", "/api/events", json={"events": made})
    assert response.json()["accepted"] == 2
    with in_session(app) as session:
        assert len(session.scalars(select(HintTaken)).all()) == 1


def test_a_hint_the_service_stored_already_is_said_to_be_taken(app, client) -> None:
    publish_iot101(app, client)
    # Taken before the fleet last started: only the service remembers it.
    stored = hint("an", "slow-down-air", "2026-01-02T00:00:00Z", lab=LAB)
    call(app, client, GRADER, "POST", "/api/events", json={"events": [stored]})
    assert ask(app, client, AN, "slow-down-air").json()["already_taken"] is True
    assert ask(app, client, BINH, "slow-down-air").json()["already_taken"] is False


def test_an_unknown_check_is_404_naming_it_and_the_labs_checks(app, client,
                                                               fleet_records) -> None:
    response = ask(app, client, AN, "ping")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "lab 'iot101-sensors' has no check 'ping'; checks: ping-station, slow-down-air, "
        "stuck-pm25, calibrate-ph, ack-effluent-alarm")
    assert fleet_records == []


def test_a_check_without_a_hint_says_so_and_costs_nothing(app, client, fleet_records) -> None:
    response = ask(app, client, AN, "read-registers", lab="energy-basics")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["hint"] is None and body["text"] == "" and body["costs"] == []
    assert body["already_taken"] is False and fleet_records == []


def test_a_service_cannot_take_a_hint(app, client) -> None:
    response = ask(app, client, GRADER, "ping-station")
    assert response.status_code == 403 and "hub user" in response.json()["detail"]


def test_the_check_shows_the_hints_taken_and_their_cost(app, client) -> None:
    publish_iot101(app, client)
    stored = hint("an", "ping-station", "2026-01-02T00:00:00Z", lab=LAB)
    call(app, client, GRADER, "POST", "/api/events", json={"events": [stored]})
    call(app, client, AN, "POST", f"/api/labs/{LAB}/start")
    checks = {c["id"]: c for c in call(app, client, AN, "GET",
                                       f"/api/labs/{LAB}/check").json()["checks"]}
    assert (checks["ping-station"]["hint_taken"], checks["ping-station"]["hint_points"]) == (
        True, 1.0)
    assert (checks["slow-down-air"]["hint_taken"], checks["slow-down-air"]["hint_points"]) == (
        False, 0.0)


# -- the notebook helper ------------------------------------------------------------------

def test_lab_hint_asks_the_route_in_the_trainees_language(monkeypatch) -> None:
    asked: list = []

    def answer(settings, method, path, *, lang=None):
        asked.append((method, path, lang))
        return {"title": {"vi": "Gửi ping", "en": "Send a ping"},
                "hint": {"vi": "Đăng ký nhận reply trước", "en": "Subscribe to reply first"},
                "already_taken": False,
                "costs": [{"course": "iot101", "assignment": "mqtt-telemetry", "points": 1}]}

    monkeypatch.setattr("senlab.lab._call", answer)
    monkeypatch.setenv("SENLAB_LANG", "en")
    lab = Lab(id=LAB, topic_root="labs/an/iot101-sensors", host="h", port=1, username="an",
              password="p", settings=object())  # type: ignore[arg-type]
    given = lab.hint("ping-station")
    assert asked == [("POST", f"/api/labs/{LAB}/checks/ping-station/hint", "en")]
    assert str(given).splitlines() == [
        "Hint for Send a ping (ping-station):",
        "Subscribe to reply first",
        "It costs 1 point of assignment mqtt-telemetry (course iot101)."]


def test_the_hint_text_in_vietnamese_and_when_taken_before() -> None:
    again = Hint(lab=LAB, check="ping-station", title={"vi": "Gửi ping", "en": "Send a ping"},
                 text="Đăng ký nhận reply trước", already_taken=True,
                 costs=[{"course": "iot101", "assignment": "mqtt-telemetry", "points": 1.5}],
                 lang="vi")
    assert str(again).splitlines() == [
        "Gợi ý cho Gửi ping (ping-station):", "Đăng ký nhận reply trước",
        "Bạn đã xem gợi ý này trước đó: không bị trừ thêm điểm."]
    first = Hint(lab=LAB, check="ping-station", title={}, text="x",
                 costs=[{"course": "iot101", "assignment": "a", "points": 1.5}], lang="en")
    # 1.5 is not exactly one: the plural.
    assert str(first).splitlines()[-1] == "It costs 1.5 points of assignment a (course iot101)."
    free = Hint(lab=LAB, check="k", title={}, text="x", lang="vi")
    assert str(free).splitlines()[-1] == "Gợi ý này không bị trừ điểm."
    none = Hint(lab=LAB, check="k", title={"en": "Step"}, text="", lang="en")
    assert str(none) == "Step (k) has no hint"
    assert "<b>Step (k) has no hint</b>" in none._repr_html_()


def test_the_check_table_shows_the_hint_taken_and_the_repair_time() -> None:
    from senlab.lab import CheckTable

    table = CheckTable(lab=LAB, lang="en", checks=[
        {"id": "fix", "title": {"en": "Fix it"}, "passed": True, "message": None,
         "repair_s": 95.25, "within_s": 120, "hint_taken": True, "hint_points": 1.0},
        {"id": "late", "title": {"en": "Late"}, "passed": False, "message": {"en": "too slow"},
         "within_s": 60, "hint_taken": True, "hint_points": 0.0}])
    # 95.25 s is shown to a tenth: 95.2 (round half to even of 95.25 gives 95.2).
    assert str(table).splitlines() == [
        "iot101-sensors: 1/2 checks pass",
        "  [PASS]    Fix it (fix)",
        "            repaired in 95.2 s of the 120 s allowed",
        "            hint taken: it costs 1 point",
        "  [NOT YET] Late (late)",
        "            too slow",
        "            to be repaired within 60 s of the fault's start",
        "            hint taken: it costs no points"]
    vietnamese = CheckTable(lab=LAB, lang="vi", checks=table.checks)
    assert "đã khắc phục sau 95,2 giây (cho phép 120 giây)" in str(vietnamese)
    assert "too slow<br>to be repaired within 60 s" in table._repr_html_()
