"""The plan's indicators on a known province, with every expected figure worked out here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from senlab.progress.crud import organisations as orgs
from senlab.progress.goals import SHIPPED_GOALS, GoalsFileError, load_goals, months_back
from tests.progress.conftest import ADMIN, course_event, event, in_session, post_events

PARKS = {"KCN-A": ["E1", "E2", "E3", "E4", "E5"], "CCN-B": ["E6", "E7", "E8"],
         "KCN-C": ["E9", "E10"], "CCN-D": []}
# trainee: (enterprise, course, day the passing grade is recorded, score out of 10)
RESULTS = {
    "t1": ("E1", "5g101", "2026-01-10", 8),
    "t2": ("E2", "iot101", "2026-02-10", 7),
    "t3": ("E3", "5g101", "2026-03-10", 9),
    "t4": ("E6", "iot101", "2026-04-10", 6),
    "t5": ("E9", "5g101", "2026-05-10", 10),
    "t6": ("E1", "iot101", "2026-06-10", 8),    # a second technician of E1
    "t7": ("E7", "smart201", "2026-03-01", 9),  # smart management, park CCN-B
    "t8": ("E10", "smart201", "2026-06-01", 7),  # smart management, park KCN-C
    "t9": (None, "5g101", "2026-02-01", 9),     # not (yet) in the roster
    "t10": ("E4", "5g101", "2026-06-20", 9),    # after the as-of date
    "t11": ("E5", "5g101", "2026-03-03", 2),    # failed: below the 50 % pass mark
}
AS_OF = "2026-06-15"
# The trend's days: the 15th of January to June 2026, as days since 15 January.
TREND_DAYS = [0, 31, 59, 90, 120, 151]


@pytest.fixture
def province(app, api):
    with in_session(app) as session:
        for park, enterprises in PARKS.items():
            orgs.upsert_park(session, park_id=park, name=park, kind=park[:3])
            session.flush()
            for enterprise in enterprises:
                orgs.upsert_enterprise(session, enterprise_id=enterprise, name=enterprise,
                                       park_id=park)
        session.flush()
        for trainee, (enterprise, *_rest) in RESULTS.items():
            orgs.upsert_trainee(session, username=trainee, full_name=trainee,
                                enterprise_id=enterprise)
    post_events(api, [course_event("5g101", tags=["5g"], assignments=["a1"]),
                      course_event("iot101", tags=["iot"], assignments=["a1"]),
                      course_event("smart201", tags=["smart-management"], assignments=["a1"])])
    post_events(api, [event("grade.recorded", f"{day}T09:00:00Z", trainee=trainee,
                            course=course, assignment="a1", score=score, max_score=10)
                      for trainee, (_e, course, day, score) in RESULTS.items()])


def goals(api, **query) -> dict[str, dict]:
    response = api(ADMIN, "GET", "/api/goals", params={"as_of": AS_OF, **query})
    assert response.status_code == 200, response.text
    return {i["id"]: i for i in response.json()["indicators"]}


def least_squares_at(days: list[int], values: list[float], at: int) -> float:
    """The textbook least-squares line, evaluated at day `at`."""
    n = len(days)
    mean_x, mean_y = sum(days) / n, sum(values) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(days, values, strict=True)) \
        / sum((x - mean_x) ** 2 for x in days)
    return mean_y + slope * (at - mean_x)


def test_the_trend_days_are_the_same_day_of_the_last_six_months():
    as_of = date.fromisoformat(AS_OF)
    days = [months_back(as_of, k) for k in range(5, -1, -1)]
    assert [(d - days[0]).days for d in days] == TREND_DAYS
    assert months_back(date(2026, 3, 31), 1) == date(2026, 2, 28)


def test_share_of_enterprises_with_a_certified_5g_or_iot_technician(api, province):
    indicator = goals(api)["enterprises-5g-technician"]
    # First 5G/IoT certificate per enterprise: E1 10/1, E2 10/2, E3 10/3, E6 10/4, E9 10/5
    # (E1's second technician does not count twice, E4's comes after 15/6, E5 failed).
    # Ten enterprises in all.
    assert [p["value"] for p in indicator["trend"]] == [10, 20, 30, 40, 50, 50]
    assert indicator["actual"] == 50
    assert (indicator["period"], indicator["target"]) == ("2025-2027", 30)
    # The trend line reaches far above 100 % by 31/12/2027; a share stops at 100.
    deadline = (date(2027, 12, 31) - date(2026, 1, 15)).days
    assert least_squares_at(TREND_DAYS, [10, 20, 30, 40, 50, 50], deadline) > 100
    assert indicator["projection"] == 100
    assert indicator["on_track"] is True


def test_number_of_certified_technicians_and_its_projection(api, province):
    indicator = goals(api)["certified-technicians"]
    # Cumulative first certificates: 15/1 t1; 15/2 +t9 +t2; 15/3 +t7 +t3; 15/4 +t4;
    # 15/5 +t5; 15/6 +t8 +t6.
    values = [1, 3, 5, 6, 7, 9]
    assert [p["value"] for p in indicator["trend"]] == values
    assert indicator["actual"] == 9
    deadline = (date(2027, 12, 31) - date(2026, 1, 15)).days  # 715 days
    assert deadline == 715
    expected = least_squares_at(TREND_DAYS, values, deadline)
    assert indicator["projection"] == pytest.approx(expected, abs=0.01)
    # By hand: mean day 451/6, mean value 31/6; Σ(dx·dy) = 796.83, Σdx² = 15842.83,
    # slope 0.050296/day; at day 715: 5.1667 + 0.050296 × (715 − 75.1667) = 37.35.
    assert indicator["projection"] == pytest.approx(37.35, abs=0.01)
    assert indicator["target"] == 300
    assert indicator["on_track"] is False


def test_share_of_parks_with_a_certified_smart_management_operator(api, province):
    indicator = goals(api)["parks-smart-management-operators"]
    # CCN-B from 1/3, KCN-C from 1/6; four parks.
    assert [p["value"] for p in indicator["trend"]] == [0, 0, 25, 25, 25, 50]
    assert indicator["target"] == 50


def test_share_of_enterprises_with_a_certified_iot_technician(api, province):
    indicator = goals(api)["enterprises-iot-production"]
    # IoT only: E2 10/2, E6 10/4, E1 10/6 (t6).
    assert [p["value"] for p in indicator["trend"]] == [0, 10, 10, 20, 20, 30]
    assert indicator["target"] == 25


def test_filtering_by_park_counts_only_its_enterprises_and_staff(api, province):
    found = goals(api, park="KCN-A")
    # E1, E2, E3 of KCN-A's five enterprises; t1, t2, t3, t6 certified by 15/6.
    assert found["enterprises-5g-technician"]["actual"] == 60
    assert found["certified-technicians"]["actual"] == 4
    assert found["parks-smart-management-operators"]["actual"] == 0


def test_filtering_by_course_counts_only_its_certificates(api, province):
    found = goals(api, course="iot101")
    assert found["enterprises-5g-technician"]["actual"] == 30
    assert found["certified-technicians"]["actual"] == 3


def test_choosing_the_later_period_sets_its_targets(api, province):
    found = goals(api, period="2028-2030")
    assert found["enterprises-5g-technician"]["target"] == 70
    assert found["parks-smart-management-operators"]["target"] == 100
    assert found["certified-technicians"]["deadline"] == "2030-12-31"


def test_an_unknown_period_is_refused_naming_it(api, province):
    response = api(ADMIN, "GET", "/api/goals", params={"period": "2031-2035"})
    assert response.status_code == 422
    assert "2031-2035" in response.text


def test_the_shipped_goals_have_both_periods_and_both_languages():
    indicators = load_goals()
    assert len(indicators) >= 4
    for indicator in indicators:
        assert {t.period for t in indicator.targets} == {"2025-2027", "2028-2030"}
        assert indicator.title_vi and indicator.title_en and indicator.derivation


def test_a_goals_file_with_a_bad_field_names_the_file_and_field(tmp_path):
    path = tmp_path / "goals.yaml"
    path.write_text("indicators:\n  - id: x\n    title_vi: a\n    title_en: b\n"
                    "    section: s\n    unit: '%'\n"
                    "    computation: {kind: guess, course_tags: [5g]}\n"
                    "    targets: [{period: p, deadline: 2027-12-31, target: 1}]\n")
    with pytest.raises(GoalsFileError) as error:
        load_goals(path)
    assert str(path) in str(error.value)
    assert "indicators.0.computation.kind" in str(error.value)


def test_a_date_outside_2000_to_2100_is_refused_naming_as_of(api, province):
    response = api(ADMIN, "GET", "/api/goals", params={"as_of": "0001-01-01"})
    assert response.status_code == 422
    assert "as_of" in response.text
    assert api(ADMIN, "GET", "/dashboard", params={"as_of": "0001-01-01"}).status_code == 422


PLAN_TEXT = next((Path(__file__).resolve().parents[2].parent / "shared" / "seed").glob(
    "ke-hoach-478*.txt"), None) if (Path(__file__).resolve().parents[2].parent / "shared"
                                    / "seed").is_dir() else None


def test_the_plans_own_targets_keep_its_words_over_included():
    plans = {p.id: {t.period: t for t in p.targets} for p in load_goals().plan_targets}
    assert {"plan-5g-coverage", "plan-5g-adoption", "plan-smart-management",
            "plan-iot-production", "plan-iot-devices", "plan-iot-platforms",
            "plan-iot-data-sharing"} <= set(plans)
    adoption = plans["plan-5g-adoption"]["2028-2030"]
    assert (adoption.relation, adoption.target, adoption.section) == ("over", 70, "III.2")
    assert adoption.wording_vi.endswith("trên 70%")
    iot = plans["plan-iot-production"]["2028-2030"]
    assert (iot.relation, iot.wording_vi) == ("over", "ứng dụng IoT trên 60%")
    assert plans["plan-iot-devices"]["2025-2027"].target_from == 1000


@pytest.mark.skipif(PLAN_TEXT is None, reason="the plan's text is not beside the checkout")
def test_every_plan_wording_is_quoted_exactly_from_the_plan():
    text = " ".join(PLAN_TEXT.read_text(encoding="utf-8").split())
    for plan in load_goals().plan_targets:
        for target in plan.targets:
            assert target.wording_vi in text, (plan.id, target.period)


def test_no_plan_target_is_the_certified_technicians_count():
    goals = load_goals()
    # The plan counts stations, devices and platforms, never people.
    assert {p.unit for p in goals.plan_targets} == {"trạm", "%", "nền tảng", "thiết bị"}
    technicians = next(i for i in goals if i.id == "certified-technicians")
    assert technicians.derived_from == "plan-5g-stations"
    assert [t.target_from for t in technicians.targets] == [
        ["technicians_per_station", "bts_stations_2027"],
        ["technicians_per_station", "bts_stations_2030"]]


def test_changing_an_assumption_changes_the_derived_target(tmp_path):
    edited = SHIPPED_GOALS.read_text(encoding="utf-8").replace(
        "  technicians_per_station:\n    value: 2\n", "  technicians_per_station:\n    value: 3\n")
    assert edited != SHIPPED_GOALS.read_text(encoding="utf-8")
    path = tmp_path / "goals.yaml"
    path.write_text(edited, encoding="utf-8")
    technicians = next(i for i in load_goals(path) if i.id == "certified-technicians")
    assert [t.target for t in technicians.targets] == [3 * 150, 3 * 300]


def test_a_target_from_an_unknown_assumption_names_it(tmp_path):
    path = tmp_path / "goals.yaml"
    path.write_text(SHIPPED_GOALS.read_text(encoding="utf-8").replace(
        "target_from: [technicians_per_station, bts_stations_2027]",
        "target_from: [technicians_per_station, stations]"), encoding="utf-8")
    with pytest.raises(GoalsFileError) as error:
        load_goals(path)
    assert "no assumption 'stations'" in str(error.value)


def test_the_api_marks_indicators_derived_and_gives_the_plans_words(api, province):
    response = api(ADMIN, "GET", "/api/goals", params={"as_of": AS_OF, "period": "2028-2030"})
    body = response.json()
    share = next(i for i in body["indicators"] if i["id"] == "enterprises-5g-technician")
    assert (share["kind"], share["derived_from"]) == ("derived", "plan-5g-adoption")
    assert share["wording_vi"] == "tỷ lệ doanh nghiệp sử dụng dịch vụ 5G trên 70%"
    assert share["derivation"] and share["title_vi"] and share["section"]
    assert {p["kind"] for p in body["plan_targets"]} == {"plan"}
    assumption = next(a for a in body["assumptions"] if a["id"] == "technicians_per_station")
    assert (assumption["value"], assumption["unit"]) == (2, "người/trạm")
    assert "doanh nghiệp viễn thông" in assumption["wording_vi"]
