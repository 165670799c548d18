"""The report as an XLSX workbook: one sheet per table, and a chart of target against actual."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from senlab.progress.reports.data import ReportData
from senlab.progress.reports.tables import (
    COURSE_HEADER,
    INDICATOR_HEADER,
    PARK_HEADER,
    course_rows,
    heading,
    indicator_rows,
    park_rows,
)


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
