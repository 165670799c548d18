"""The demo province as `senlab up --demo` leaves it, seen on the dashboard and in the report:
the demo cohort's parks, each once, with the cohort's own trainees in them."""

from __future__ import annotations

import csv
import re

import pytest

from senlab.demo import load_demo
from senlab.hub.cohort import demo_cohort, write_roster_csv
from senlab.progress.reports.render import write_report
from senlab.progress.reports.tables import PARK_HEADER
from senlab.roster_import import import_roster
from tests.progress.conftest import ADMIN

PARK_OPTIONS = re.compile(r'<select name="park">(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"[^>]*>([^<]*)</option>')
FUNNEL = re.compile(r'<svg class="funnel".*?</svg>', re.S)
BAR_VALUE = re.compile(r'<rect [^>]*/><text [^>]*>(\d+)</text>')


@pytest.fixture
def cohort(app, settings, tmp_path):
    """What `senlab up --demo` writes into the progress database (`stack.seed_demo`)."""
    load_demo(settings)
    cohort = demo_cohort()
    import_roster(settings, write_roster_csv(cohort, tmp_path / "demo-roster.csv"), None)
    return cohort


def park_options(page: str) -> list[tuple[str, str]]:
    match = PARK_OPTIONS.search(page)
    assert match, "the dashboard has no park filter"
    return OPTION.findall(match.group(1))


def enrolled_in_first_funnel(page: str) -> int:
    funnel = FUNNEL.search(page)
    assert funnel, "the dashboard shows no funnel"
    return int(BAR_VALUE.findall(funnel.group(0))[0])


def test_the_dashboards_park_filter_offers_the_cohorts_parks_each_once(api, cohort):
    options = park_options(api(ADMIN, "GET", "/dashboard").text)
    assert sorted(options) == sorted((park.id, park.name) for park in cohort.parks)
    assert len({name for _, name in options}) == len(options) == len(cohort.parks)


def test_trainee1s_park_filter_holds_trainee1s_enterprise_and_the_parks_others(api, cohort):
    trainee1 = next(user for user in cohort.users if user.username == "trainee1")
    enterprise = next(e for e in cohort.enterprises if e.id == trainee1.enterprise)
    in_park = api(ADMIN, "GET", "/dashboard",
                  params={"park": enterprise.park, "course": "iot101"}).text
    in_enterprise = api(ADMIN, "GET", "/dashboard",
                        params={"enterprise": enterprise.id, "course": "iot101"}).text
    cohort_trainees = [u for u in cohort.users
                       if u.role == "trainee" and u.enterprise == enterprise.id
                       and "iot101" in u.courses]
    assert enrolled_in_first_funnel(in_enterprise) >= len(cohort_trainees) >= 1
    # The demo's other enterprises of that park are under the same filter, not under a
    # second park of the same place.
    assert enrolled_in_first_funnel(in_park) > enrolled_in_first_funnel(in_enterprise)
    assert f'<option value="{enterprise.park}" selected>' in in_park


def test_the_report_counts_the_cohorts_parks(settings, cohort, tmp_path):
    out = write_report(settings, "2026", "csv", tmp_path / "bao-cao-2026.csv")
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    start = rows.index(PARK_HEADER) + 1
    parks = rows[start:rows.index([], start)]
    # The report names parks (not ids), numbered from 1.
    assert sorted(row[1] for row in parks) == sorted(park.name for park in cohort.parks)
    assert len({row[1] for row in parks}) == len(parks) == len(cohort.parks)
