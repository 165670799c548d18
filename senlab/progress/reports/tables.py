"""The report's tables, the same in every format: its heading, indicators, parks, courses.

The CSV format is these tables alone, one after another.
"""

from __future__ import annotations

import csv
import io

from senlab.progress.reports.data import ReportData

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
