"""Report periods and cut-offs: Decree 09/2019/NĐ-CP Article 12, or the dates of Plan 478
section VI.6 when DOST chooses them; and periods the plan does not have, refused."""

from __future__ import annotations

from datetime import date

import pytest

from senlab.cli import main
from senlab.progress.reports.data import PeriodError, parse_period
from senlab.progress.reports.render import write_report
from tests.progress.conftest import ADMIN


def months(start: date, end: date) -> int:
    """Whole months from `start` to the day after `end`: 15/12 to 14/06 is six."""
    after = date.fromordinal(end.toordinal() + 1)
    return (after.year - start.year) * 12 + after.month - start.month


# Worked by hand from Article 12: "06 tháng đầu năm tính từ ngày 15/12 năm trước kỳ báo cáo
# đến ngày 14/6 của kỳ báo cáo"; the year "từ ngày 15/12 năm trước kỳ báo cáo đến ngày 14/12".
@pytest.mark.parametrize(("text", "start", "cutoff", "length"), [
    ("2026H1", date(2025, 12, 15), date(2026, 6, 14), 6),
    ("2026", date(2025, 12, 15), date(2026, 12, 14), 12),
    ("2025H1", date(2024, 12, 15), date(2025, 6, 14), 6),
    ("2030", date(2029, 12, 15), date(2030, 12, 14), 12),
])
def test_decree_09_periods(text, start, cutoff, length):
    period = parse_period(text)
    assert (period.start, period.end, period.cutoff) == (start, cutoff, cutoff)
    assert months(period.start, period.cutoff) == length
    assert "Điều 12 Nghị định số 09/2019/NĐ-CP" in period.rule_vi


# The plan's report dates (VI.6: "theo 6 tháng (ngày 20/6) và hằng năm (ngày 20/11)") as
# cut-offs: six months up to 20/6, twelve up to 20/11. The old rule's 21/11-20/06 (seven
# months) is gone.
@pytest.mark.parametrize(("text", "start", "cutoff", "length"), [
    ("2026H1", date(2025, 12, 21), date(2026, 6, 20), 6),
    ("2026", date(2025, 11, 21), date(2026, 11, 20), 12),
])
def test_plan_478_periods(text, start, cutoff, length):
    period = parse_period(text, "kh478")
    assert (period.start, period.cutoff) == (start, cutoff)
    assert months(period.start, period.cutoff) == length
    assert "Mục VI.6 Kế hoạch số 478/KH-UBND" in period.rule_vi


@pytest.mark.parametrize("text", ["2024", "2024H1", "2031", "2031H1", "2099"])
def test_a_year_outside_the_plan_is_refused_naming_the_period(text):
    with pytest.raises(PeriodError, match="outside Plan 478/KH-UBND, which runs 2025-2030"
                       ) as refused:
        parse_period(text)
    assert refused.value.parameter == "period" and repr(text) in str(refused.value)


def test_an_unknown_rule_is_refused_naming_the_rule():
    with pytest.raises(PeriodError, match="rule 'nd10' must be one of nd09, kh478") as refused:
        parse_period("2026", "nd10")
    assert refused.value.parameter == "rule"


@pytest.mark.parametrize("text", ["2031", "2026H2", "abc"])
def test_write_report_refuses_and_writes_nothing(settings, tmp_path, text):
    out = tmp_path / "out" / "r.xlsx"
    with pytest.raises(PeriodError, match=repr(text)):
        write_report(settings, text, "xlsx", out)
    assert not out.parent.exists()
    # Refused before the database is opened: no SQLite file is made either.
    assert not (tmp_path / "progress.sqlite").exists() or "postgres" in settings.db_url


@pytest.mark.parametrize(("path", "needle"), [
    ("/api/reports/2031", "2031"),
    ("/api/reports/2024H1", "2024H1"),
    ("/api/reports/2026H2", "2026H2"),
])
def test_the_api_refuses_a_period_outside_the_plan_naming_the_parameter(api, path, needle):
    response = api(ADMIN, "GET", path, params={"format": "csv"})
    assert response.status_code == 422
    body = response.json()
    assert needle in response.text
    assert any(d["loc"][-1] == "period" for d in body["detail"]), body


def test_the_api_refuses_an_unknown_rule_and_a_bad_number(api):
    for params, field in (({"rule": "nd10"}, "rule"), ({"number": "12/BC"}, "number")):
        response = api(ADMIN, "GET", "/api/reports/2026", params={"format": "csv", **params})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", field]


def test_the_api_report_follows_the_rule_asked_for(api):
    nd09 = api(ADMIN, "GET", "/api/reports/2026", params={"format": "csv"})
    kh478 = api(ADMIN, "GET", "/api/reports/2026", params={"format": "csv", "rule": "kh478"})
    assert nd09.status_code == kh478.status_code == 200
    assert "từ ngày 15/12/2025 đến ngày 14/12/2026" in nd09.content.decode("utf-8-sig")
    assert "từ ngày 21/11/2025 đến ngày 20/11/2026" in kh478.content.decode("utf-8-sig")


def test_the_command_names_the_parameter_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("SENLAB_DATABASE_URL", raising=False)
    out = tmp_path / "r.pdf"
    assert main(["report", "--period", "2031", "--format", "pdf", "--out", str(out)]) == 2
    said = " ".join(capsys.readouterr().out.split())
    assert "--period: 2031 is outside Plan 478/KH-UBND, which runs from 2025 to 2030" in said
    assert not out.exists()
    assert main(["--lang", "vi", "report", "--period", "2026H2", "--format", "pdf",
                 "--out", str(out)]) == 2
    said = " ".join(capsys.readouterr().out.split())
    assert ("--period: 2026H2 không phải là kỳ báo cáo: ghi năm (2026) hoặc 6 tháng đầu năm "
            "(2026H1)") in said
    assert not out.exists()
    assert main(["report", "--period", "2026", "--rule", "kh478", "--format", "csv",
                 "--out", str(out.with_suffix(".csv"))]) == 0
    text = out.with_suffix(".csv").read_bytes().decode("utf-8-sig")
    assert "Ngày chốt số liệu: 20/11/2026" in text
