"""Writing a roster into the progress database (senlab.progress.crud.roster), as the
service then counts it."""

from __future__ import annotations

from senlab.roster_import import import_roster
from tests.progress.conftest import course_event, event, post_events
from tests.progress.test_goals import goals
from tests.test_roster_import import GOOD, write_csv


def test_a_certificate_earned_before_the_roster_counts_for_the_enterprise(settings, tmp_path,
                                                                          app, api):
    post_events(api, [course_event("iot101", tags=["iot"], assignments=["a1"]),
                      event("grade.recorded", "2026-02-01T00:00:00Z", trainee="an",
                            course="iot101", assignment="a1", score=9, max_score=10)])
    assert goals(api)["enterprises-iot-production"]["actual"] == 0  # no enterprises yet
    import_roster(settings, write_csv(tmp_path / "r.csv", GOOD), None)
    # an works for E1, one of the two enterprises.
    assert goals(api)["enterprises-iot-production"]["actual"] == 50
