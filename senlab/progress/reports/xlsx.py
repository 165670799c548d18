"""The report as an XLSX workbook, ready to paste into the province's forms: one sheet per
table, the issuing body, number, period and cut-off on top, Vietnamese headers, numbers as
numbers, and a chart of each indicator's target against its actual value."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from senlab.progress.reports.data import ReportData
from senlab.progress.reports.tables import (
    COURSE_HEADER,
    COURSE_TITLE,
    INDICATOR_HEADER,
    INDICATOR_TITLE,
    PARK_HEADER,
    PARK_TITLE,
    course_rows,
    heading,
    indicator_notes,
    indicator_rows,
    park_rows,
)

WIDTHS = (6, 60, 22, 30, 10, 12, 16, 18, 16, 12)


def _sheet(workbook: Workbook, name: str, data: ReportData, title: str, header: list[str],
           rows: list[list]) -> tuple[Worksheet, int]:
    """A sheet of one table; and the row number of its header."""
    sheet = workbook.create_sheet(name)
    for line in heading(data):
        sheet.append([line])
    sheet["A1"].font = Font(bold=True)
    sheet["A4"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append([title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append(header)
    first = sheet.max_row
    for cell in sheet[first]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEFGHIJ", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    return sheet, first


def to_xlsx(data: ReportData) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    indicators, first = _sheet(workbook, "Chỉ tiêu", data, INDICATOR_TITLE, INDICATOR_HEADER,
                               indicator_rows(data))
    _sheet(workbook, "Theo KCN-CCN", data, PARK_TITLE, PARK_HEADER, park_rows(data))
    _sheet(workbook, "Theo khóa học", data, COURSE_TITLE, COURSE_HEADER, course_rows(data))
    last = first + len(data.goals.indicators)
    indicators.append([])
    for line in indicator_notes(data):
        indicators.append([line])
    if last > first:
        chart = BarChart()
        chart.title = "Mục tiêu và thực hiện"
        chart.y_axis.title = "Giá trị"
        chart.add_data(Reference(indicators, min_col=7, max_col=8, min_row=first, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(indicators, min_col=2, min_row=first + 1, max_row=last))
        chart.width, chart.height = 24, 10
        indicators.add_chart(chart, f"A{indicators.max_row + 2}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
