"""The semi-annual and annual reports: periods, and their content read back."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from senlab.progress.reports.data import PeriodError, parse_period
from senlab.progress.reports.render import write_report
from tests.progress.conftest import ADMIN, course_event, event, post_events
from tests.progress.world import build_world


def test_the_semi_annual_period_is_six_months_to_14_june():
    # Decree 09/2019/NĐ-CP, Article 12: 15/12 of the year before to 14/6.
    period = parse_period("2026H1")
    assert (period.start, period.end, period.cutoff) == (
        date(2025, 12, 15), date(2026, 6, 14), date(2026, 6, 14))
    assert period.kind_vi == "Báo cáo 6 tháng"


def test_the_annual_period_is_twelve_months_to_14_december():
    period = parse_period("2026")
    assert (period.start, period.end) == (date(2025, 12, 15), date(2026, 12, 14))


@pytest.mark.parametrize("text", ["2026H2", "26", "2026-H1", "", " 2026"])
def test_a_malformed_period_is_refused_naming_it(text):
    with pytest.raises(PeriodError, match=repr(text)) as refused:
        parse_period(text)
    assert refused.value.parameter == "period"


@pytest.fixture
def reported(app, api):
    build_world(app, api)
    # binh completes 5g201 after the semi-annual cut-off, inside the annual period.
    post_events(api, [event("grade.recorded", "2026-08-01T00:00:00Z", trainee="binh",
                            course="5g201", assignment="b1", score=8, max_score=10)])


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def find_row(rows: list[list], name: str) -> list:
    """The table's row whose name (its second column, after STT) is `name`."""
    return next(row for row in rows if len(row) > 1 and row[1] == name)


SHARE = ("Tỷ lệ doanh nghiệp trong KCN, CCN có ít nhất một kỹ thuật viên được chứng nhận "
         "vận hành 5G/IoT")
COUNT = "Số kỹ thuật viên được chứng nhận vận hành 5G, IoT"


def test_the_xlsx_report_has_the_indicators_parks_and_courses(settings, reported, tmp_path):
    out = write_report(settings, "2026H1", "xlsx", tmp_path / "r.xlsx")
    book = load_workbook(out)
    assert book.sheetnames == ["Chỉ tiêu", "Theo KCN-CCN", "Theo khóa học"]
    indicators = rows_of(book["Chỉ tiêu"])
    assert indicators[0][0] == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert indicators[3][0].startswith("BÁO CÁO Kết quả đào tạo")
    assert "từ ngày 15/12/2025 đến ngày 14/06/2026" in indicators[4][0]
    # One certified enterprise (E1, by an) of two: 50 %; target 30 % for 2025-2027.
    share = find_row(indicators, SHARE)
    assert share[0] == 1 and share[5:8] == ["2025-2027", 30, 50]
    assert find_row(indicators, COUNT)[7] == 1
    assert len(book["Chỉ tiêu"]._charts) == 1
    parks = rows_of(book["Theo KCN-CCN"])
    # STT, name, kind, enterprises, certified enterprises, trainees, enrolled, completed, certs
    assert find_row(parks, "KCN Sa Đéc")[2:] == ["KCN", 1, 1, 1, 1, 1, 1]
    assert find_row(parks, "CCN Tân Bình")[2:] == ["CCN", 1, 0, 1, 2, 0, 0]
    courses = rows_of(book["Theo khóa học"])
    assert find_row(courses, "5G201")[2:] == [1, 0, 0, 0]


def test_the_annual_report_counts_what_happened_after_june(settings, reported, tmp_path):
    out = write_report(settings, "2026", "xlsx", tmp_path / "r.xlsx")
    book = load_workbook(out)
    parks = rows_of(book["Theo KCN-CCN"])
    assert find_row(parks, "CCN Tân Bình")[4:] == [1, 1, 2, 1, 1]
    assert find_row(rows_of(book["Theo khóa học"]), "5G201")[2:] == [1, 0, 0, 1]
    assert find_row(rows_of(book["Chỉ tiêu"]), SHARE)[7] == 100


def test_the_csv_report_is_utf8_with_the_same_tables(settings, reported, tmp_path):
    out = write_report(settings, "2026H1", "csv", tmp_path / "r.csv")
    text = out.read_bytes().decode("utf-8-sig")
    assert "II. Theo khu công nghiệp, cụm công nghiệp" in text
    assert "2,KCN Sa Đéc,KCN,1,1,1,1,1,1" in text  # after CCN Tân Bình


def test_the_pdf_report_is_a_pdf(settings, reported, tmp_path):
    out = write_report(settings, "2026", "pdf", tmp_path / "r.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    assert out.stat().st_size > 5000


def test_a_course_title_that_looks_like_markup_prints_as_it_is(settings, api, tmp_path):
    # Found by the fuzz run: reportlab reads a paragraph's text as markup, so a title
    # with "<" or "&" made the PDF report a 500.
    published = course_event("odd", tags=["iot", "beginner"], assignments=["a1"])
    published["data"]["title"] = "Khóa <b>A & B</b> <1>"
    post_events(api, [published])
    out = write_report(settings, "2026H1", "pdf", tmp_path / "r.pdf")
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Khóa <b>A & B</b> <1>" in text


def test_an_unknown_format_is_refused(settings, tmp_path):
    with pytest.raises(ValueError, match="format 'docx' must be one of xlsx, pdf, csv"):
        write_report(settings, "2026", "docx", tmp_path / "r.docx")


def test_the_dashboard_download_is_the_same_report(api, reported):
    response = api(ADMIN, "GET", "/api/reports/2026H1", params={"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert find_row(rows_of(book["Theo KCN-CCN"]), "KCN Sa Đéc")[3:] == [1, 1, 1, 1, 1, 1]
    bad = api(ADMIN, "GET", "/api/reports/2026Q3", params={"format": "xlsx"})
    assert bad.status_code == 422 and "2026Q3" in bad.text
