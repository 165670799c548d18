"""The semi-annual and annual reports to DOST, in Vietnamese, as XLSX, PDF or CSV.

``write_report(settings, "2026H1", "xlsx", out)`` is what ``senlab report`` calls; the
dashboard serves ``render_report`` for download. XLSX and PDF carry a chart of each
indicator's target against its actual value; CSV carries the same tables.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from senlab.progress import db
from senlab.progress.goals import Indicator, goals_path, load_goals
from senlab.progress.report_data import ReportData, parse_period, report_data
from senlab.settings import Settings

Format = Literal["xlsx", "pdf", "csv"]
FORMATS = ("xlsx", "pdf", "csv")
TITLE = "BÁO CÁO KẾT QUẢ ĐÀO TẠO NHÂN LỰC VẬN HÀNH 5G, IoT TRONG KCN, CCN"
SUBTITLE = "Thực hiện Kế hoạch số 478/KH-UBND của UBND tỉnh Đồng Tháp"
INDICATOR_HEADER = ["Mã chỉ tiêu", "Chỉ tiêu", "Mục của Kế hoạch", "Đơn vị", "Giai đoạn",
                    "Mục tiêu", "Thực hiện", "Dự báo đến hạn", "Đạt tiến độ"]
PARK_HEADER = ["Mã KCN/CCN", "Tên", "Loại", "Số doanh nghiệp", "DN có KTV được chứng nhận",
               "Số học viên", "Ghi danh trong kỳ", "Hoàn thành trong kỳ", "Tổng chứng nhận"]
COURSE_HEADER = ["Mã khóa học", "Tên khóa học", "Ghi danh", "Bắt đầu thực hành",
                 "Đạt bài kiểm tra thực hành", "Hoàn thành"]


def indicator_rows(data: ReportData) -> list[list]:
    return [[i.id, i.title_vi, i.section, i.unit, i.period, i.target, i.actual, i.projection,
             "Có" if i.on_track else "Chưa"] for i in data.goals.indicators]


def park_rows(data: ReportData) -> list[list]:
    return [[p.park, p.name, p.kind, p.enterprises, p.enterprises_certified, p.trainees,
             p.enrolments_in_period, p.completions_in_period, p.certificates_total]
            for p in data.parks]


def course_rows(data: ReportData) -> list[list]:
    return [[c.course, c.title, c.enrolled, c.started_lab, c.passed_check, c.completed]
            for c in data.courses]


def heading(data: ReportData) -> list[str]:
    period = data.period
    return [TITLE, SUBTITLE,
            f"{period.kind_vi} {period.label}: từ {period.start:%d/%m/%Y} "
            f"đến {period.end:%d/%m/%Y}", f"Ngày lập: {data.generated_on:%d/%m/%Y}"]


def to_csv(data: ReportData) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in heading(data):
        writer.writerow([line])
    for title, header, rows in (("I. Các chỉ tiêu của Kế hoạch", INDICATOR_HEADER,
                                 indicator_rows(data)),
                                ("II. Theo khu, cụm công nghiệp", PARK_HEADER, park_rows(data)),
                                ("III. Theo khóa học", COURSE_HEADER, course_rows(data))):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    # The byte-order mark makes Excel read the Vietnamese text as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def _sheet(workbook: Workbook, title: str, data: ReportData, header: list[str],
           rows: list[list]):
    sheet = workbook.create_sheet(title)
    for line in heading(data):
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEFGHI", (26, 60, 30, 12, 14, 12, 12, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    return sheet


def to_xlsx(data: ReportData) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    indicators = _sheet(workbook, "Chỉ tiêu", data, INDICATOR_HEADER, indicator_rows(data))
    _sheet(workbook, "Theo KCN-CCN", data, PARK_HEADER, park_rows(data))
    _sheet(workbook, "Theo khóa học", data, COURSE_HEADER, course_rows(data))
    first = len(heading(data)) + 2  # the header row
    last = first + len(data.goals.indicators)
    if last > first:
        chart = BarChart()
        chart.title = "Mục tiêu và thực hiện"
        chart.y_axis.title = "Giá trị"
        chart.add_data(Reference(indicators, min_col=6, max_col=7, min_row=first, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(indicators, min_col=1, min_row=first + 1, max_row=last))
        chart.width, chart.height = 24, 10
        indicators.add_chart(chart, f"A{last + 3}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(data: ReportData, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(data)
    if fmt == "xlsx":
        return to_xlsx(data)
    if fmt == "pdf":
        from senlab.progress.report_pdf import to_pdf

        return to_pdf(data)
    raise ValueError(f"format {fmt!r} must be one of {', '.join(FORMATS)}")


def render_report(session: Session, *, indicators: list[Indicator], period: str,
                  fmt: str) -> bytes:
    """The report for `period` (2026H1 or 2026) in `fmt` (xlsx, pdf or csv), as bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} must be one of {', '.join(FORMATS)}")
    return render(report_data(session, indicators=indicators, period=parse_period(period)), fmt)


def write_report(settings: Settings, period: str, fmt: str, out: Path) -> Path:
    """Write the report for `period` in `fmt` to `out` (what ``senlab report`` runs)."""
    engine = db.make_engine(settings.db_url)
    try:
        db.migrate(engine)
        with db.session_factory(engine)() as session:
            content = render_report(session, indicators=load_goals(goals_path(settings.home)),
                                    period=period, fmt=fmt)
    finally:
        engine.dispose()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return out
