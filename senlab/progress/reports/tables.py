"""The report's tables, the same in every format: its heading, indicators, parks, courses.

Rows are numbered (STT) and named in Vietnamese: no internal id (an indicator's, a
course's or a park's code) reaches a reader. Every numeric column says in its header
whether it is cumulative (lũy kế: from the start of Plan 478 to the data cut-off) or
within the period (trong kỳ: from the period's first day to its cut-off).

The CSV format is these tables alone, one after another.
"""

from __future__ import annotations

import csv
import io

from senlab.progress.reports.data import ReportData
from senlab.progress.reports.document import Document

TYPE = "BÁO CÁO"
CUMULATIVE, IN_PERIOD = "(lũy kế)", "(trong kỳ)"
INDICATOR_TITLE = "I. Mục tiêu của Kế hoạch và chỉ tiêu đào tạo"
PARK_TITLE = "II. Theo khu công nghiệp, cụm công nghiệp"
COURSE_TITLE = "III. Theo khóa học"
INDICATOR_HEADER = ["STT", "Chỉ tiêu", "Loại", "Mục của Kế hoạch", "Đơn vị", "Giai đoạn",
                    f"Mục tiêu của giai đoạn {CUMULATIVE}",
                    f"Thực hiện đến ngày chốt số liệu {CUMULATIVE}",
                    f"Dự báo đến hạn {CUMULATIVE}", "Đạt tiến độ"]
PARK_HEADER = ["STT", "Tên KCN, CCN", "Loại", f"Số doanh nghiệp {CUMULATIVE}",
               f"Doanh nghiệp có kỹ thuật viên được chứng nhận {CUMULATIVE}",
               f"Số học viên {CUMULATIVE}", f"Ghi danh {IN_PERIOD}",
               f"Hoàn thành khóa học {IN_PERIOD}", f"Giấy chứng nhận đã cấp {CUMULATIVE}"]
COURSE_HEADER = ["STT", "Tên khóa học", f"Ghi danh {CUMULATIVE}",
                 f"Bắt đầu bài thực hành {CUMULATIVE}", f"Đạt bước kiểm tra {CUMULATIVE}",
                 f"Hoàn thành {CUMULATIVE}"]
KIND_VI = {"plan": "Mục tiêu của Kế hoạch", "derived": "Chỉ tiêu đào tạo (do SenLab suy ra)"}


def indicator_rows(data: ReportData) -> list[list]:
    rows = []
    for n, i in enumerate(data.goals.indicators, start=1):
        note = data.notes.get(i.id)
        kind = KIND_VI.get(note.kind if note else "derived", KIND_VI["derived"])
        # A count of people is a whole number (GLOSSARY.md): 9,09 people is 9.
        projection = i.projection if i.unit == "%" else round(i.projection)
        rows.append([n, i.title_vi, kind, i.section, i.unit, i.period, i.target, i.actual,
                     projection, "Có" if i.on_track else "Chưa"])
    return rows


def indicator_notes(data: ReportData) -> list[str]:
    """One line per indicator with what the plan says and how SenLab derives it."""
    lines = []
    for n, i in enumerate(data.goals.indicators, start=1):
        note = data.notes.get(i.id)
        if note is None:
            continue
        parts = []
        if note.wording_vi:
            parts.append(f"Kế hoạch: {note.wording_vi}")
        if note.derivation:
            parts.append(f"Cách suy ra: {note.derivation}")
        if parts:
            lines.append(f"({n}) " + " ".join(parts))
    return lines


def park_rows(data: ReportData) -> list[list]:
    return [[n, p.name, p.kind, p.enterprises, p.enterprises_certified, p.trainees,
             p.enrolments_in_period, p.completions_in_period, p.certificates_total]
            for n, p in enumerate(data.parks, start=1)]


def course_rows(data: ReportData) -> list[list]:
    return [[n, c.title, c.enrolled, c.started_lab, c.passed_check, c.completed]
            for n, c in enumerate(data.courses, start=1)]


def period_lines(data: ReportData) -> list[str]:
    """The period, its cut-off, the rule they follow, and what the column marks mean."""
    period = data.period
    return [f"Kỳ báo cáo: {period.kind_vi.lower().replace('báo cáo ', '')} "
            f"({period.label}), từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y}",
            f"Ngày chốt số liệu: {period.cutoff:%d/%m/%Y}",
            f"{period.rule_vi}.",
            f"Ghi chú: {CUMULATIVE} tính từ đầu Kế hoạch đến ngày chốt số liệu; {IN_PERIOD} "
            f"tính từ ngày {period.start:%d/%m/%Y} đến ngày {period.cutoff:%d/%m/%Y}."]


def document_of(data: ReportData) -> Document:
    if data.document is None:
        raise ValueError("a report is rendered with its document fields (reports.document)")
    return data.document


def heading(data: ReportData) -> list[str]:
    """The lines above the tables in the XLSX and CSV: who issues, number, place and date,
    type and summary, then the period and cut-off."""
    document = document_of(data)
    return [document.issuer.upper(), document.number_line, document.date_line,
            f"{TYPE} {document.summary}", *period_lines(data)]


def to_csv(data: ReportData) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in heading(data):
        writer.writerow([line])
    for title, header, rows in ((INDICATOR_TITLE, INDICATOR_HEADER, indicator_rows(data)),
                                (PARK_TITLE, PARK_HEADER, park_rows(data)),
                                (COURSE_TITLE, COURSE_HEADER, course_rows(data))):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    # The byte-order mark makes Excel read the Vietnamese text as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")
