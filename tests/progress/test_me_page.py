"""The trainee's page /me and the service's root: content, privacy, formats, roles, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from senlab.progress.crud import organisations as orgs
from senlab.progress.identity import Identity
from tests.progress.conftest import ADMIN, GRADER, course_event, event, in_session, post_events

HV1 = Identity("hv1", groups=frozenset({"trainees"}))
HV2 = Identity("hv2", groups=frozenset({"trainees"}))
MANAGER = Identity("mgr1", groups=frozenset({"managers"}))
DOST = Identity("dost1", groups=frozenset({"dost"}))
INSTRUCTOR = Identity("gv1", groups=frozenset({"instructors"}))
BROWSER = {"accept": "text/html,application/xhtml+xml"}
VI = {**BROWSER, "accept-language": "vi-VN,vi;q=0.9"}


def with_hint_cost(course: dict[str, Any], costs: dict[str, float]) -> dict[str, Any]:
    course["data"]["rule"]["hint_costs"] = costs
    return course


@pytest.fixture
def seeded(api) -> None:
    """hv1: c1 in progress (a1 graded 64.52/100, one listed check still missing), c2
    completed with a certificate; hv2: their own grade in c1."""
    post_events(api, [
        course_event("c1", tags=["iot"], assignments=["a1", "a2"],
                     pass_marks={"a1": 60, "a2": 50}, required=["a1"],
                     checks={"a1": ("lab1", ["ping", "slow"])}),
        course_event("c2", tags=["5g"], assignments=["b1"], pass_mark=50),
    ])
    post_events(api, [
        event("grade.recorded", "2026-03-05T08:00:00Z", trainee="hv1", course="c1",
              assignment="a1", score=64.52, max_score=100),
        event("lab.check", "2026-03-04T09:00:00Z", trainee="hv1", lab="lab1", check="ping",
              passed=True),
        event("lab.check", "2026-03-04T09:05:00Z", trainee="hv1", lab="lab1", check="slow",
              passed=False),
        event("lab.check", "2026-03-04T09:06:00Z", trainee="hv1", lab="lab1", check="extra",
              passed=True),
        event("grade.recorded", "2026-04-12T10:00:00Z", trainee="hv1", course="c2",
              assignment="b1", score=40, max_score=50),
        event("grade.recorded", "2026-03-06T08:00:00Z", trainee="hv2", course="c1",
              assignment="a1", score=77.25, max_score=100),
        event("lab.check", "2026-03-06T09:00:00Z", trainee="hv2", lab="lab1", check="slow",
              passed=True),
    ])


def page(api, identity: Identity | None, path: str = "/me", headers=VI,
         lang: str | None = None, **kwargs: Any):
    return api(identity, "GET", path, headers=headers,
               params={"lang": lang} if lang else None, follow_redirects=False, **kwargs)


def course_section(html: str, course: str) -> str:
    match = re.search(rf'<section class="card course" id="course-{course}">(.*?)</section>',
                      html, re.S)
    assert match, f"no section for {course}"
    return match.group(1)


def test_the_trainee_sees_grades_pass_marks_checks_hints_and_feedback_in_vietnamese(
        api, seeded):
    response = page(api, HV1)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="vi">' in html and "<title>Tiến độ của tôi · SenLab</title>" in html
    c1 = course_section(html, "c1")
    # 64.52 of 100 → "64,52/100"; 100 × 64.52 / 100 = 64.52 % → "64,52%"
    assert '<span class="score">64,52/100</span> (64,52%)' in c1
    # 64.52 % ≥ the pass mark of 60 %: passed
    assert '<td class="passed">đạt</td>' in c1 and "gợi ý" not in c1
    assert "60%" in c1 and "50%" in c1  # pass marks, no space before %
    assert "05/03/2026" in c1  # graded on, dd/mm/yyyy
    # a2 is optional and ungraded
    assert re.search(r'data-assignment="a2">.*?chưa có điểm', c1, re.S)
    # the listed check "slow" is still missing, by its title; "ping" passed; "extra" practice
    assert re.search(r'class="remaining-checks"><li class="below">Kiểm tra slow</li></ul>', c1)
    assert re.search(r'class="passed-checks"><li class="passed">Kiểm tra ping ', c1)
    assert re.search(r'class="practice-checks"><li class="passed">extra: đạt ', c1)
    assert 'href="/hub/user-redirect/lab/tree/c1/a1/feedback"' in c1
    assert "a2/feedback" not in c1  # no feedback for what is not graded
    assert "certificate-code" not in c1 and "Chưa hoàn thành." in c1
    assert "Hạn nộp" not in html  # no deadlines in the data: nothing shown


def c1_with_hint_cost(points: float) -> dict[str, Any]:
    """c1 published again, a hint on a1's listed checks now costing `points`."""
    return with_hint_cost(course_event("c1", tags=["iot"], assignments=["a1", "a2"],
                                       pass_marks={"a1": 60, "a2": 50}, required=["a1"],
                                       checks={"a1": ("lab1", ["ping", "slow"])},
                                       at="2025-11-02T00:00:00Z"), {"a1": points})


def test_hints_taken_are_shown_with_what_they_cost(api, seeded):
    post_events(api, [c1_with_hint_cost(1.0),
                      event("hint.taken", "2026-03-04T09:01:00Z", trainee="hv1", lab="lab1",
                            check="ping")])
    c1 = course_section(page(api, HV1).text, "c1")
    # a hint on ping (listed by a1, 1 point a hint) costs a1 1 point: 64.52 − 1 = 63.52
    # counts, 63.52 % ≥ 60 %: still passed
    assert "tính 63,52/100 sau khi trừ 1 điểm gợi ý" in c1
    assert '<td class="passed">đạt</td>' in c1
    assert re.search(r'class="hints"><li>Kiểm tra ping · 1 điểm <span class="small muted">'
                     r'04/03/2026</span>', c1)
    en = course_section(page(api, HV1, lang="en").text, "c1")
    assert "63.52/100 counts after hints (−1)" in en and "Check ping · 1 point " in en


def test_a_hint_that_takes_a_grade_below_its_mark_is_shown_as_below(api, seeded):
    post_events(api, [
        c1_with_hint_cost(5.0),
        event("hint.taken", "2026-03-04T09:01:00Z", trainee="hv1", lab="lab1", check="ping")])
    c1 = course_section(page(api, HV1).text, "c1")
    # 5 points a hint now: 64.52 − 5 = 59.52 counts, 59.52 % < 60 %: below the pass mark
    assert "tính 59,52/100 sau khi trừ 5 điểm gợi ý" in c1
    assert '<td class="below">dưới điểm đạt</td>' in c1


def test_a_completed_course_shows_its_certificate_with_pdf_and_verification_links(api, seeded):
    progress = api(ADMIN, "GET", "/api/trainees/hv1/progress").json()
    code = next(c for c in progress["courses"] if c["course"] == "c2")["certificate_code"]
    assert code and code.startswith("SL-")
    c2 = course_section(page(api, HV1).text, "c2")
    assert f'<code class="certificate-code">{code}</code>' in c2
    assert f'href="/services/progress/api/certificates/{code}/pdf"' in c2
    assert f'href="/services/progress/verify/{code}"' in c2
    # 40/50 = 80 % ≥ 50: completed when the grade was recorded, 12 April 2026
    assert "Hoàn thành ngày 12/04/2026" in c2
    assert '<span class="score">40/50</span> (80%)' in c2
    # the links answer: the PDF route knows the code, the public page shows it
    verify = api(None, "GET", f"/verify/{code}")
    assert verify.status_code == 200 and code in verify.text


def test_another_trainees_data_never_appears(api, seeded):
    html = page(api, HV1).text
    assert "77,25" not in html and "hv2" not in html
    html2 = page(api, HV2).text
    assert '<span class="score">77,25/100</span>' in html2
    assert "64,52" not in html2 and "course-c2" not in html2
    # hv2 passed slow; ping is still missing for them, not for hv1
    assert re.search(r'class="remaining-checks"><li class="below">Kiểm tra ping</li>', html2)


def test_english_numbers_and_dates_and_the_choice_is_remembered(api, seeded):
    response = page(api, HV1, lang="en")
    html = response.text
    assert '<html lang="en">' in html and "My progress" in html
    assert '<span class="score">64.52/100</span> (64.52%)' in html
    assert "5 Mar 2026" in html and "Still to pass" in html
    assert response.cookies.get("senlab_lang") == "en"
    # the remembered choice wins over the browser's Vietnamese
    again = api(HV1, "GET", "/me", headers=VI, cookies={"senlab_lang": "en"})
    assert '<html lang="en">' in again.text
    # a choice made now wins over the remembered one
    now = api(HV1, "GET", "/me", headers=VI, params={"lang": "vi"},
              cookies={"senlab_lang": "en"})
    assert '<html lang="vi">' in now.text


def test_course_titles_come_from_course_yaml_in_the_readers_language(api):
    # iot101 is a real course of the repository: its course.yaml has both titles; the
    # published title is the English one
    post_events(api, [event("grade.recorded", "2026-03-05T08:00:00Z", trainee="hv1",
                            course="iot101", assignment="mqtt-telemetry", score=8,
                            max_score=10)])
    vi = page(api, HV1).text
    en = page(api, HV1, lang="en").text
    assert "<h2>IoT cơ bản: cảm biến, MQTT và dữ liệu đo</h2>" in vi
    assert "Đọc dữ liệu đo qua MQTT" in vi
    assert "<h2>IoT basics: sensors, MQTT and telemetry</h2>" in en


def test_someone_with_no_courses_gets_a_page_that_says_so(api):
    html = page(api, Identity("new1")).text
    assert "Bạn chưa ghi danh khóa học nào" in html


@pytest.fixture
def managed(app) -> None:
    """mgr1 manages enterprise E1 (an enterprise of park P1)."""
    with in_session(app) as session:
        orgs.upsert_park(session, park_id="P1", name="KCN P1", kind="KCN")
        session.flush()
        orgs.upsert_enterprise(session, enterprise_id="E1", park_id="P1", name="E1")
        session.flush()
        orgs.assign_manager(session, username="mgr1", enterprise_id="E1")


@pytest.mark.parametrize(("identity", "target"), [
    (HV1, "me"), (Identity("someone"), "me"), (INSTRUCTOR, "me"),
    (MANAGER, "dashboard"), (DOST, "dashboard"), (ADMIN, "dashboard"),
    # a manager of no enterprise has nothing on the dashboard (it would refuse them)
    (Identity("mgr9", groups=frozenset({"managers"})), "me")])
def test_the_root_sends_each_role_home(api, managed, identity, target):
    response = page(api, identity, "/")
    assert response.status_code == 303
    assert response.headers["location"] == f"/services/progress/{target}"


def test_the_root_sends_a_browser_without_a_token_to_log_in(api):
    response = page(api, None, "/")
    assert response.status_code == 302
    assert "oauth2/authorize" in response.headers["location"]


@pytest.mark.parametrize(("identity", "link"), [
    (MANAGER, 'href="/services/progress/dashboard"'),
    (DOST, 'href="/services/progress/dashboard"'),
    (INSTRUCTOR, 'href="/hub/user-redirect/formgrader"')])
def test_other_roles_see_their_next_step_not_an_error(api, managed, identity, link):
    response = page(api, identity)
    assert response.status_code == 200
    assert 'id="next-steps"' in response.text and link in response.text


def test_a_language_not_offered_is_an_error_page_for_a_browser_and_json_for_a_client(api):
    response = page(api, HV1, lang="fr")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in response.text and "Địa chỉ này không đọc được" in response.text
    # The detail, escaped: the schema enumerates the languages, as the check does.
    assert "query.lang: Input should be &#39;vi&#39; or &#39;en&#39;" in response.text
    client = page(api, HV1, headers={"accept": "application/json"}, lang="fr")
    assert client.status_code == 422
    [problem] = client.json()["detail"]
    assert problem["loc"] == ["query", "lang"] and "'vi' or 'en'" in problem["msg"]


def test_a_hub_service_gets_a_refusal_page_or_json(api):
    response = page(api, GRADER)
    assert response.status_code == 403
    assert "Trang này không dành cho tài khoản của bạn" in response.text
    assert 'href="/services/progress/me"' in response.text
    client = page(api, GRADER, headers={"accept": "application/json"})
    assert client.status_code == 403
    assert client.json() == {"detail": "not allowed to open a trainee's page as a hub service"}


def test_an_unknown_token_sends_a_browser_to_log_in(api):
    # No identity override: a token the hub cannot check. A browser is sent to log in
    # again (the app's LoginRequired), with no hub to ask here the resolver is replaced.
    class NoHub:
        async def identity_for_token(self, token):
            return None

        def authorize_url(self, next_url):
            return f"/hub/api/oauth2/authorize?next={next_url}", "state"

    api.app.state.resolver = NoHub()
    response = page(api, None, cookies={"senlab-progress-token": "stale"})
    assert response.status_code == 302
    assert response.headers["location"] == "/hub/api/oauth2/authorize?next=/services/progress/me"


def test_a_hub_that_cannot_check_the_token_is_a_page_in_the_browsers_language(api):
    from fastapi import HTTPException

    class BrokenHub:
        async def identity_for_token(self, token):
            raise HTTPException(502, "the hub could not check the token: timeout")

    api.app.state.resolver = BrokenHub()
    response = page(api, None, headers={**BROWSER, "accept-language": "en"},
                    cookies={"senlab-progress-token": "t"})
    assert response.status_code == 502
    assert "SenLab cannot answer right now" in response.text
    assert "the hub could not check the token: timeout" in response.text
    client = page(api, None, headers={"accept": "application/json"},
                  cookies={"senlab-progress-token": "t"})
    assert client.json() == {"detail": "the hub could not check the token: timeout"}


def test_deadlines_are_shown_when_the_progress_data_has_them(tmp_path):
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from senlab.i18n import translator
    from senlab.progress.routes.me import course_view
    from senlab.progress.schemas import CourseOfTrainee
    from senlab.settings import Settings

    course = CourseOfTrainee(
        course="c1", title="C1", enrolled_at=datetime(2026, 1, 5, tzinfo=UTC),
        lab_started_at=None, score_percent=None, completed_at=None, certificate_code=None,
        grades=[], checks=[], remaining_checks=[])
    settings = Settings(home=tmp_path)
    assert course_view(course, None, translator("vi"), settings=settings,
                       prefix="/p/")["deadlines"] == []
    dated = course.model_copy(update={"deadlines": [
        SimpleNamespace(assignment="a1", due=datetime(2026, 7, 1, 16, 59, tzinfo=UTC))]})
    view = course_view(dated, None, translator("vi"), settings=settings, prefix="/p/")
    assert view["deadlines"] == [{"title": "a1", "due": "01/07/2026"}]
