"""Posting events: idempotent, answered per event, and applied to grades, checks, completions."""

import uuid

from sqlalchemy import func, select

from senlab.progress.identity import Identity
from senlab.progress.models import Certificate, CheckResult, Completion, Course, Event, Grade
from tests.progress.conftest import ADMIN, GRADER, course_event, event, in_session, post_events

FLEET = Identity("fleet", kind="service")


def grade(trainee, assignment, score, at="2026-03-01T08:00:00Z", course="iot101", best=10):
    return event("grade.recorded", at, course=course, assignment=assignment,
                 trainee=trainee, score=score, max_score=best)


def counts(answer) -> tuple[int, int, int]:
    """(accepted, duplicates, rejected), checked against the per-event results."""
    results = answer["results"]
    numbers = (answer["accepted"], answer["duplicates"], answer["rejected"])
    assert numbers == tuple(results.count(s) for s in ("accepted", "duplicate", "rejected"))
    return numbers


def count(app, model) -> int:
    with in_session(app) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_batch_is_accepted_and_stored_once_when_resent(api, app):
    batch = [grade("an", "a1", 7), grade("an", "a2", 9), grade("binh", "a1", 4)]
    assert counts(post_events(api, batch)) == (3, 0, 0)
    answer = post_events(api, batch)
    assert counts(answer) == (0, 3, 0)
    assert answer["results"] == ["duplicate"] * 3
    assert count(app, Event) == 3
    assert count(app, Grade) == 3


def test_a_partly_new_batch_stores_only_the_new_events(api, app):
    first = [grade("an", "a1", 7), grade("an", "a2", 9)]
    post_events(api, first)
    answer = post_events(api, [*first, grade("chi", "a1", 5)])
    assert answer["results"] == ["duplicate", "duplicate", "accepted"]
    assert count(app, Event) == 3


def test_the_same_id_twice_in_one_batch_counts_once(api, app):
    one = grade("an", "a1", 7)
    assert post_events(api, [one, dict(one)])["results"] == ["accepted", "duplicate"]
    assert count(app, Event) == 1


def test_a_later_grade_replaces_an_earlier_one_even_if_it_arrives_first(api, app):
    post_events(api, [grade("an", "a1", 9, at="2026-03-02T00:00:00Z")])
    post_events(api, [grade("an", "a1", 3, at="2026-03-01T00:00:00Z")])
    with in_session(app) as session:
        assert session.scalar(select(Grade.score)) == 9


def rejected(api, events):
    """Post `events`, which hold bad ones; the answer (a 200: the batch itself is good)."""
    response = api(GRADER, "POST", "/api/events", json={"events": events})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_bad_event_is_rejected_alone_and_the_good_ones_beside_it_are_stored(api, app):
    good = [grade("an", "a1", 7), grade("an", "a3", 8)]
    bad = grade("an", "a2", 7)
    del bad["data"]["max_score"]
    answer = rejected(api, [good[0], bad, good[1]])
    assert answer["results"] == ["accepted", "rejected", "accepted"]
    assert counts(answer) == (2, 0, 1)
    assert answer["errors"] == [{"index": 1, "id": bad["id"], "type": "grade.recorded",
                                 "loc": ["body", "events", 1, "grade.recorded", "data",
                                         "max_score"],
                                 "msg": "Field required"}]
    with in_session(app) as session:
        assert set(session.scalars(select(Event.id))) == {e["id"] for e in good}
        assert set(session.scalars(select(Grade.assignment))) == {"a1", "a3"}


def test_a_rejected_event_sent_again_is_rejected_again_and_a_good_one_is_a_duplicate(api, app):
    good, bad = grade("an", "a1", 7), grade("an", "a2", 11)
    rejected(api, [good, bad])
    assert rejected(api, [good, bad])["results"] == ["duplicate", "rejected"]
    assert count(app, Event) == 1


def test_a_score_above_its_maximum_is_rejected_with_the_reason(api):
    answer = rejected(api, [grade("an", "a1", 11)])
    assert answer["results"] == ["rejected"]
    assert "above max_score" in answer["errors"][0]["msg"]


def test_an_unknown_event_type_is_rejected_with_its_name(api):
    bad = event("grade.deleted", "2026-03-01T00:00:00Z", trainee="an")
    [error] = rejected(api, [bad])["errors"]
    assert (error["type"], error["loc"]) == ("grade.deleted", ["body", "events", 0])
    assert "grade.deleted" in error["msg"]


def test_an_id_that_is_not_a_uuid_is_rejected(api):
    bad = grade("an", "a1", 5)
    bad["id"] = "retry-1"
    [error] = rejected(api, [bad])["errors"]
    assert error["id"] == "retry-1"
    assert error["loc"] == ["body", "events", 0, "grade.recorded", "id"]


def test_an_event_that_is_not_an_object_is_rejected_without_id_or_type(api, app):
    answer = rejected(api, [grade("an", "a1", 5), 42, "grade.recorded"])
    assert answer["results"] == ["accepted", "rejected", "rejected"]
    assert [(e["index"], e["id"], e["type"]) for e in answer["errors"]] == [
        (1, None, None), (2, None, None)]
    assert count(app, Event) == 1


def test_a_batch_of_only_bad_events_stores_nothing_and_names_each(api, app):
    first, second = grade("an", "a1", 11), grade("an", "a2", 5)
    second["data"]["score"] = "five"
    answer = rejected(api, [first, second])
    assert counts(answer) == (0, 0, 2)
    assert [e["index"] for e in answer["errors"]] == [0, 1]
    assert count(app, Event) == 0


def test_a_body_that_is_not_a_batch_is_refused_whole(api, app):
    for body, where in (({"events": []}, ["body", "events"]),
                        ({"events": [grade("an", "a1", 5)], "more": 1}, ["body", "more"]),
                        ({"event": [grade("an", "a1", 5)]}, ["body", "events"]),
                        ([grade("an", "a1", 5)], ["body"])):
        response = api(GRADER, "POST", "/api/events", json=body)
        assert response.status_code == 422, body
        assert where in [e["loc"] for e in response.json()["detail"]], response.text
    assert count(app, Event) == 0


def test_a_batch_of_more_than_ten_thousand_events_is_refused_whole(api, app):
    response = api(GRADER, "POST", "/api/events",
                   json={"events": [grade("an", f"a{n}", 5) for n in range(10_001)]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "events"]
    assert count(app, Event) == 0


def test_only_the_fleet_grader_and_admins_may_post(api, app):
    batch = [grade("an", "a1", 7)]
    for poster in (FLEET, GRADER, ADMIN):
        assert api(poster, "POST", "/api/events", json={"events": batch}).status_code == 200
    for refused in (Identity("dost1", groups=frozenset({"dost"})),
                    Identity("an", groups=frozenset({"trainees"})),
                    Identity("mgr", groups=frozenset({"managers"})),
                    Identity("other-service", kind="service")):
        response = api(refused, "POST", "/api/events", json={"events": batch})
        assert response.status_code == 403, refused
    assert api(None, "POST", "/api/events", json={"events": batch}).status_code == 401


def test_meeting_the_rule_completes_the_course_and_issues_a_certificate(api, app):
    post_events(api, [course_event("iot101", tags=["iot"], assignments=["a1", "a2"],
                                   checks={"a1": ("lab1", ["c1", "c2"])})])
    post_events(api, [grade("an", "a1", 8), grade("an", "a2", 5, at="2026-03-02T00:00:00Z"),
                      event("lab.check", "2026-03-03T00:00:00Z", trainee="an", lab="lab1",
                            check="c1", passed=True)])
    assert count(app, Completion) == 0  # c2 has not passed yet
    post_events(api, [event("lab.check", "2026-03-04T09:30:00Z", trainee="an", lab="lab1",
                            check="c2", passed=True)])
    with in_session(app) as session:
        completion = session.scalars(select(Completion)).one()
        certificate = session.scalars(select(Certificate)).one()
    assert str(completion.completed_at) == "2026-03-04 09:30:00"
    assert completion.criteria["rule"]["pass_marks"] == {"a1": 50, "a2": 50}
    assert completion.criteria["percents"] == {"a1": 80, "a2": 50}
    assert certificate.issued_at == completion.completed_at
    assert certificate.code.startswith("SL-")


def test_an_assignment_below_its_pass_mark_does_not_complete(api, app):
    post_events(api, [course_event("iot101", tags=["iot"], assignments=["a1", "a2"],
                                   pass_mark=60)])
    post_events(api, [grade("an", "a1", 6), grade("an", "a2", 5)])  # a2: 50 % < 60
    assert count(app, Completion) == 0
    post_events(api, [grade("an", "a2", 7, at="2026-03-05T00:00:00Z")])  # 70 %
    assert count(app, Completion) == 1
    assert count(app, Certificate) == 1


def test_a_failed_check_after_a_pass_is_kept_as_the_latest_result(api, app):
    post_events(api, [event("lab.check", "2026-03-01T00:00:00Z", trainee="an", lab="l",
                            check="c", passed=True),
                      event("lab.check", "2026-03-02T00:00:00Z", trainee="an", lab="l",
                            check="c", passed=False)])
    with in_session(app) as session:
        assert session.scalar(select(CheckResult.passed)) is False


def test_a_manual_completion_issues_one_certificate_even_if_repeated(api, app):
    done = event("course.completed", "2026-04-01T00:00:00Z", trainee="an", course="5g201",
                 note="external exam")
    again = dict(done, id=str(uuid.uuid4()))
    post_events(api, [done])
    post_events(api, [again])
    assert count(app, Completion) == 1
    assert count(app, Certificate) == 1


def test_lab_evidence_is_kept_in_the_log(api, app):
    post_events(api, [event("lab.evidence", "2026-03-01T00:00:00Z", trainee="an", lab="l",
                            device="pump-1", kind="alarm_acknowledged", detail={"alarm": 3})])
    with in_session(app) as session:
        stored = session.scalars(select(Event)).one()
    assert stored.source == "grader"
    assert stored.data["detail"] == {"alarm": 3}


def test_an_error_names_the_event_its_type_and_the_field(api, app):
    bad = grade("an", "a2", 7)
    bad["data"]["score"] = "seven"
    answer = rejected(api, [grade("an", "a1", 7), bad])
    [error] = answer["errors"]
    assert error["loc"] == ["body", "events", 1, "grade.recorded", "data", "score"]
    assert count(app, Event) == 1


def test_a_body_that_is_not_json_is_refused_and_says_so(api, app):
    response = api(GRADER, "POST", "/api/events", content=b'{"events": [',
                   headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert count(app, Event) == 0


def test_a_poster_without_the_right_is_refused_before_its_body_is_read(api):
    # A refused caller learns nothing about the schema from validation errors.
    refused = Identity("an", groups=frozenset({"trainees"}))
    assert api(refused, "POST", "/api/events", content=b"not json").status_code == 403
    assert api(None, "POST", "/api/events", content=b"not json").status_code == 401


def test_optional_data_takes_its_documented_default(api, app):
    post_events(api, [event("course.published", "2026-01-01T00:00:00Z", course="c9")])
    post_events(api, [event("course.completed", "2026-02-01T00:00:00Z", trainee="an",
                            course="c9")])
    with in_session(app) as session:
        course = session.get(Course, "c9")
        assert (course.title, course.tags, course.rule) == ("", [], None)
        assert session.scalar(select(Completion.criteria)) == {"manual": True, "note": ""}


def test_the_published_schema_describes_the_event_batch(api):
    document = api.client.get(f"{api.prefix}/openapi.json").json()
    body = document["paths"][f"{api.prefix}/api/events"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EventBatch"}
    schemas = document["components"]["schemas"]
    mapping = schemas["EventBatch"]["properties"]["events"]["items"]["discriminator"]["mapping"]
    assert set(mapping) == {"course.published", "enrolment.created", "grade.recorded",
                            "lab.started", "lab.check", "lab.evidence", "hint.taken",
                            "course.completed"}
    assert schemas["GradeRecorded"]["required"] == ["course", "assignment", "trainee", "score",
                                                    "max_score"]


def test_the_published_schema_describes_the_answer_per_event(api):
    document = api.client.get(f"{api.prefix}/openapi.json").json()
    answer = document["paths"][f"{api.prefix}/api/events"]["post"]["responses"]
    assert answer["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BatchResult"}
    assert "422" in answer
    schemas = document["components"]["schemas"]
    assert schemas["BatchResult"]["properties"]["results"]["items"]["enum"] == [
        "accepted", "duplicate", "rejected"]
    assert set(schemas["EventError"]["required"]) == {"index", "id", "type", "loc", "msg"}


def test_a_time_before_year_1_once_in_utc_is_rejected_not_a_server_error(api):
    # Found by the fuzz run: 0001-01-01T00:01+02:00 is 0000-12-31 in UTC, which Python's
    # datetime cannot hold.
    bad = event("lab.started", "0001-01-01T00:01:00+02:00", trainee="an", lab="lab-x")
    good = event("lab.started", "2026-03-01T00:00:00Z", trainee="an", lab="lab-x")
    response = api(GRADER, "POST", "/api/events", json={"events": [bad, good]})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["results"] == ["rejected", "accepted"]
    assert "outside the years 1 to 9999" in answer["errors"][0]["msg"]
