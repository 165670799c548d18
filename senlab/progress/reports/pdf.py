"""The report as a PDF: the same tables as the XLSX, and a chart of target against actual."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from senlab.progress.certificates import FONT, FONT_BOLD, register_fonts
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

TARGET_COLOUR, ACTUAL_COLOUR = colors.HexColor("#9aa5b1"), colors.HexColor("#1f6feb")


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=14, leading=18)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9)
    return title, body, cell


def _text(value: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: Paragraph reads markup, and a name such as "A&B <1>" from
    the roster or a course must print as it is, not break the report."""
    return Paragraph(escape(str(value)), style)


def _table(header: list[str], rows: list[list], cell: ParagraphStyle) -> Table:
    data = [[_text(v, cell) for v in row] for row in [header, *rows]]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _chart(data: ReportData) -> Drawing:
    shares = [i for i in data.goals.indicators if i.unit == "%"]
    drawing = Drawing(250 * mm, 70 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 12 * mm, 180 * mm, 50 * mm
    chart.data = [[i.target for i in shares], [i.actual for i in shares]]
    chart.categoryAxis.categoryNames = [i.id for i in shares]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.valueAxis.labels.fontName = FONT
    chart.bars[0].fillColor, chart.bars[1].fillColor = TARGET_COLOUR, ACTUAL_COLOUR
    legend = Legend()
    legend.x, legend.y, legend.fontName = 200 * mm, 55 * mm, FONT
    legend.colorNamePairs = [(TARGET_COLOUR, "Mục tiêu (%)"), (ACTUAL_COLOUR, "Thực hiện (%)")]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def to_pdf(data: ReportData) -> bytes:
    register_fonts()
    title, body, cell = _styles()
    lines = heading(data)
    story = [_text(lines[0], title), *(_text(line, body) for line in lines[1:]),
             Spacer(1, 4 * mm), Paragraph("I. Các chỉ tiêu của Kế hoạch", title),
             _table(INDICATOR_HEADER, indicator_rows(data), cell), Spacer(1, 3 * mm),
             _chart(data), Paragraph("II. Theo khu, cụm công nghiệp", title),
             _table(PARK_HEADER, park_rows(data), cell), Spacer(1, 4 * mm),
             Paragraph("III. Theo khóa học", title),
             _table(COURSE_HEADER, course_rows(data), cell)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=lines[0],
                                 leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm)
    document.build(story)
    return buffer.getvalue()
