"""The dashboard page: indicators, trends and funnels, in Vietnamese and English, scoped."""

from __future__ import annotations

import pytest

from senlab.progress.identity import Identity
from tests.progress.conftest import ADMIN
from tests.progress.world import build_world

MANAGER = Identity("mgr1", groups=frozenset({"managers"}))


@pytest.fixture
def world(app, api):
    return build_world(app, api)


def test_the_dashboard_is_in_vietnamese_by_default_with_a_chart_per_indicator(api, world):
    page = api(ADMIN, "GET", "/dashboard", params={"as_of": "2026-06-20"}).text
    assert '<html lang="vi">' in page
    assert "Tiến độ đào tạo 5G, IoT" in page
    assert page.count('<svg class="trend"') == 4
    assert page.count('<svg class="funnel"') == 2
    # Nothing is fetched from elsewhere: no scripts, stylesheets or absolute URLs.
    assert "<script" not in page and "<link" not in page and "https://" not in page


def test_the_dashboard_switches_to_english(api, world):
    page = api(ADMIN, "GET", "/dashboard", params={"lang": "en"}).text
    assert '<html lang="en">' in page
    assert "Completion funnels per course" in page
    assert "Share of enterprises in parks" in page


def test_filtering_by_course_shows_only_its_funnel(api, world):
    page = api(ADMIN, "GET", "/dashboard", params={"course": "5g201"}).text
    assert page.count('<svg class="funnel"') == 1
    assert '<option value="5g201" selected>' in page


def test_a_manager_sees_their_enterprise_only_and_no_province_reports(api, world):
    page = api(MANAGER, "GET", "/dashboard").text
    assert 'value="E1"' in page and 'value="E2"' not in page
    assert "api/reports" not in page
    assert api(MANAGER, "GET", "/dashboard", params={"enterprise": "E2"}).status_code == 403


def test_dost_gets_report_links_for_both_periods(api, world):
    page = api(ADMIN, "GET", "/dashboard", params={"as_of": "2026-06-20"}).text
    assert "/services/progress/api/reports/2026H1?format=xlsx" in page
    assert "/services/progress/api/reports/2026?format=pdf" in page


def test_a_trainee_who_opens_the_dashboard_is_sent_to_their_own_page(api):
    trainee = Identity("hv1")
    response = api(trainee, "GET", "/dashboard", params={"lang": "en"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/me?lang=en")
