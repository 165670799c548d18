"""The report as a PDF administrative document: the layout of Decree 30/2020/NĐ-CP,
Appendix I, around the same tables as the XLSX and a chart of target against actual.

On top, left: the governing body, the issuing body (bold, upper case) and the number and
symbol; right: the national motto (bold) and the place and date (italic). Then the type
(BÁO CÁO) and the summary line, centred; the body; at the end, left: the recipients (Nơi
nhận), right: the signer's title and name. The layout of the Appendix is for A4 portrait;
the report's tables are wide, so the whole report is A4 landscape (the Appendix lets a page of
tables be printed across). Fonts are DejaVu Serif (Times New Roman is not shipped).
"""

from __future__ import annotations

import io
import textwrap
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from senlab.i18n import format_number
from senlab.progress.certificates import FONT_DIR
from senlab.progress.reports.data import ReportData
from senlab.progress.reports.document import MOTTO
from senlab.progress.reports.tables import (
    COURSE_HEADER,
    COURSE_TITLE,
    INDICATOR_HEADER,
    INDICATOR_TITLE,
    PARK_HEADER,
    PARK_TITLE,
    TYPE,
    course_rows,
    document_of,
    indicator_notes,
    indicator_rows,
    park_rows,
    period_lines,
)

TARGET_COLOUR, ACTUAL_COLOUR = colors.HexColor("#9aa5b1"), colors.HexColor("#1f6feb")
NBSP = "\u00a0"
SERIF, SERIF_BOLD = "SenLabSerif", "SenLabSerif-Bold"
SERIF_ITALIC, SERIF_BOLD_ITALIC = "SenLabSerif-Italic", "SenLabSerif-BoldItalic"


def register_serif() -> None:
    if SERIF in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in ((SERIF, "DejaVuSerif.ttf"), (SERIF_BOLD, "DejaVuSerif-Bold.ttf"),
                       (SERIF_ITALIC, "DejaVuSerif-Italic.ttf"),
                       (SERIF_BOLD_ITALIC, "DejaVuSerif-BoldItalic.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def _style(name: str, font: str = SERIF, size: float = 11, centred: bool = False,
           **extra) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3,
                          alignment=TA_CENTER if centred else 0, **extra)


def _text(value: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: Paragraph reads markup, and a name such as "A&B <1>" from
    the roster or a course must print as it is, not break the report."""
    return Paragraph(escape(str(value)), style)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Chưa"
    if isinstance(value, int | float):
        return format_number(value, "vi")
    return str(value)


def _table(header: list[str], rows: list[list], widths: list[float] | None = None) -> Table:
    head = _style("head", SERIF_BOLD, 8, centred=True)
    cell = _style("cell", SERIF, 8)
    data = [[_text(v, head) for v in header],
            *[[_text(_cell(v), cell) for v in row] for row in rows]]
    table = Table(data, repeatRows=1, colWidths=widths)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _chart(data: ReportData) -> Drawing:
    shares = [(n, i) for n, i in enumerate(data.goals.indicators, start=1) if i.unit == "%"]
    drawing = Drawing(250 * mm, 80 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 24 * mm, 165 * mm, 50 * mm
    chart.data = [[i.target for _, i in shares], [i.actual for _, i in shares]]
    # The indicators' titles, numbered as in table I, never their ids.
    chart.categoryAxis.categoryNames = [
        "\n".join(textwrap.wrap(f"({n}) {i.title_vi}", 38)[:4]) for n, i in shares]
    chart.categoryAxis.labels.fontName = SERIF
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.valueAxis.labels.fontName = SERIF
    chart.bars[0].fillColor, chart.bars[1].fillColor = TARGET_COLOUR, ACTUAL_COLOUR
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.fontSize = 186 * mm, 70 * mm, SERIF, 8
    legend.colorNamePairs = [(TARGET_COLOUR, "Mục tiêu (%)"),
                             (ACTUAL_COLOUR, "Thực hiện đến ngày chốt số liệu (%)")]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def _masthead(data: ReportData) -> list:
    document = document_of(data)
    left = [_text(document.governing_body.upper(), _style("gov", size=12, centred=True)),
            _text(document.issuer.upper(), _style("issuer", SERIF_BOLD, 12, centred=True)),
            _text("―――――", _style("rule", size=9, centred=True)),
            # A blank number keeps its room: a paragraph would fold the spaces into one.
            _text(document.number_line.replace("  ", NBSP * 2),
                  _style("number", size=12, centred=True))]
    right = [_text(MOTTO[0], _style("motto", SERIF_BOLD, 12, centred=True)),
             _text(MOTTO[1], _style("motto2", SERIF_BOLD, 13, centred=True)),
             _text("―――――――――――", _style("rule2", size=9, centred=True)),
             _text(document.date_line, _style("date", SERIF_ITALIC, 13, centred=True))]
    head = Table([[left, right]], colWidths=[105 * mm, 147 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [head, Spacer(1, 6 * mm),
            _text(TYPE, _style("type", SERIF_BOLD, 14, centred=True)),
            _text(document.summary, _style("summary", SERIF_BOLD, 13, centred=True)),
            Spacer(1, 4 * mm)]


def _closing(data: ReportData) -> KeepTogether:
    document = document_of(data)
    small = _style("recipient", size=10)
    left = [_text("Nơi nhận:", _style("to", SERIF_BOLD_ITALIC, 11)),
            *(_text(line, small) for line in document.recipient_lines())]
    title = _style("title", SERIF_BOLD, 13, centred=True)
    right = [*(_text(line, title) for line in document.signer_title_lines()),
             _text("(Đã ký số)", _style("signed", SERIF_ITALIC, 10, centred=True)),
             Spacer(1, 14 * mm),
             _text(document.signer_name, _style("name", SERIF_BOLD, 13, centred=True))]
    table = Table([[left, right]], colWidths=[126 * mm, 126 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 6 * mm), table])


def _page_number(page, doc) -> None:
    """Pages from the second on are numbered, centred on top (Decree 30/2020, Appendix I, as
    commonly cited; not checked against its text)."""
    page.saveState()
    page.setFont(SERIF, 11)
    width, height = doc.pagesize
    page.drawCentredString(doc.leftMargin + (width - doc.leftMargin - doc.rightMargin) / 2,
                           height - 12 * mm, str(doc.page))
    page.restoreState()


def to_pdf(data: ReportData) -> bytes:
    register_serif()
    body = _style("body", size=11)
    section = _style("section", SERIF_BOLD, 12, spaceBefore=8, spaceAfter=4, keepWithNext=1)
    note = _style("note", SERIF_ITALIC, 8.5)
    document = document_of(data)
    indicator_widths = [w * mm for w in (11, 55, 26, 43, 14, 22, 20, 22, 18, 16)]
    story = [*_masthead(data), *(_text(line, body) for line in period_lines(data)),
             _text(INDICATOR_TITLE, section),
             _table(INDICATOR_HEADER, indicator_rows(data), indicator_widths),
             *(_text(line, note) for line in indicator_notes(data)),
             Spacer(1, 3 * mm), _chart(data),
             _text(PARK_TITLE, section),
             _table(PARK_HEADER, park_rows(data), [w * mm for w in (11, 69, 16, *[26] * 6)]),
             _text(COURSE_TITLE, section),
             _table(COURSE_HEADER, course_rows(data), [w * mm for w in (11, 119, *[30] * 4)]),
             _closing(data)]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=landscape(A4),
                            title=f"{TYPE} {document.summary}", author=document.issuer,
                            # Margins of Decree 30/2020, Appendix I, as commonly cited (top
                            # and bottom 20-25 mm, left 30-35, right 15-20): not checked
                            # against the Appendix's own text.
                            leftMargin=30 * mm, rightMargin=15 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm)
    pdf.build(story, onLaterPages=_page_number)
    return buffer.getvalue()
