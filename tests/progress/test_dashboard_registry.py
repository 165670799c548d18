"""The dashboard shows the registry's coverage (parks and enterprises where nobody has
enrolled, drawn), the training indicators marked as derived with their derivation, the
assumptions and the plan's own targets in its words.

Run as a script to refresh the screenshot in the docs:
``.venv/bin/python -m tests.progress.test_dashboard_registry site/img/dashboard-registry-vi.png``
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from senlab.hub.cohort import demo_cohort
from senlab.progress.db import make_engine
from senlab.progress.models import Enterprise, Trainee
from tests.progress.test_dashboard_browser import CHROMIUM_ARGS, demo_service
from tests.progress.test_registry import ADMIN, seed_province

COVERAGE = re.compile(r'<svg class="coverage".*?</svg>', re.S)
LABEL = re.compile(r'<text [^>]*>([^<]*)</text>')


@pytest.fixture
def province(app, api):
    seed_province(app, api)


def coverage_labels(page: str) -> list[str]:
    chart = COVERAGE.search(page)
    assert chart, "the dashboard draws no coverage"
    return LABEL.findall(chart.group(0))


def test_the_coverage_counts_the_places_where_nobody_enrolled(api, province):
    page = api(ADMIN, "GET", "/dashboard", params={"as_of": "2026-06-15"}).text
    # 4 parks, P3 and P4 without trainees; 7 enterprises, E3, E4, E6, E7 without.
    assert coverage_labels(page) == ["KCN, CCN (4)", "2 có học viên", "2 chưa có ai ghi danh",
                                     "Doanh nghiệp (7)", "3 có học viên",
                                     "4 chưa có ai ghi danh"]


def test_a_park_filter_narrows_the_coverage_to_the_park(api, province):
    page = api(ADMIN, "GET", "/dashboard", params={"park": "P1", "lang": "en"}).text
    # P1: E1 and E2 with trainees, E3 and E4 without.
    assert coverage_labels(page)[3:] == ["Enterprises (4)", "2 with trainees",
                                         "2 nobody enrolled"]


def test_each_indicator_is_marked_derived_with_its_derivation_and_the_plans_words(api,
                                                                                  province):
    page = api(ADMIN, "GET", "/dashboard", params={"period": "2028-2030"}).text
    assert page.count("Chỉ tiêu đào tạo (do SenLab suy ra)") == 4
    assert "<q>tỷ lệ doanh nghiệp sử dụng dịch vụ 5G trên 70%</q>" in page
    assert "Cách suy ra:" in page
    assert "technicians_per_station × bts_stations_2030" in page
    assert "Mục tiêu của Kế hoạch 478/KH-UBND (nguyên văn)" in page
    assert "<q>ứng dụng IoT trên 60%</q>" in page


def test_the_assumptions_are_shown_as_assumptions(api, province):
    page = api(ADMIN, "GET", "/dashboard").text
    table = page[page.index('<table class="plain assumptions">'):]
    table = table[:table.index("</table>")]
    assert "<code>technicians_per_station</code>" in table and "2 người/trạm" in table
    assert "không phải doanh nghiệp trong KCN, CCN" in table


def screenshot_dashboard(base: str, path: Path) -> dict[str, str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{base}/dashboard?lang=vi&as_of=2026-11-20")
        found = {"coverage": page.locator(".coverage-card").inner_text(),
                 "assumptions": page.locator("table.assumptions").inner_text()}
        page.screenshot(path=str(path), full_page=True)
        browser.close()
    return found


@pytest.mark.browser
def test_the_demo_dashboard_shows_its_registrys_unenrolled_enterprises(tmp_path):
    cohort = demo_cohort()
    with demo_service(tmp_path) as base:
        found = screenshot_dashboard(base, tmp_path / "shot.png")
    assert f"Doanh nghiệp ({len(cohort.enterprises)})" in found["coverage"]
    unenrolled = int(re.search(r"(\d+) chưa có ai ghi danh\s*$", found["coverage"].split(
        "Doanh nghiệp")[1].split("Mẫu số")[0].strip()).group(1))
    engine = make_engine(f"sqlite:///{tmp_path / 'progress.sqlite'}")
    with engine.connect() as connection:
        expected = connection.scalar(select(func.count()).select_from(Enterprise).where(
            Enterprise.id.not_in(select(Trainee.enterprise_id).where(
                Trainee.enterprise_id.is_not(None)))))
    engine.dispose()
    assert unenrolled == expected > 0
    assert "technicians_per_station" in found["assumptions"]
    assert (tmp_path / "shot.png").stat().st_size > 20_000


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    with demo_service(Path(tempfile.mkdtemp())) as service:
        print(screenshot_dashboard(service, target))
    print(target)
