"""The dashboard's page (vi/en): the registry's coverage, SenLab's training indicators (each
marked as derived, with the plan target and derivation it comes from) with their trends,
the plan's own targets in its words, the assumptions, funnels per course, report links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from senlab.i18n import format_number, format_people, format_percent_value
from senlab.progress.access import Scope
from senlab.progress.charts import coverage_svg, funnel_svg, trend_svg
from senlab.progress.crud.progress import funnels
from senlab.progress.crud.registry import coverage
from senlab.progress.goals import Filters, Indicator, goals_report
from senlab.progress.identity import Identity
from senlab.progress.models import Course, Enterprise, Park

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                        autoescape=select_autoescape(["html"]))
TEXT = {
    "vi": {"title": "Tiến độ đào tạo 5G, IoT", "other_lang": "English",
           "subtitle": "Kế hoạch 478/KH-UBND tỉnh Đồng Tháp, giai đoạn 2025–2030",
           "park": "KCN/CCN", "enterprise": "Doanh nghiệp", "course": "Khóa học",
           "period": "Giai đoạn", "as_of": "Tính đến ngày", "all": "Tất cả",
           "current": "Hiện tại", "apply": "Lọc", "indicators": "Các chỉ tiêu",
           "plan_section": "Mục", "target": "Mục tiêu", "actual": "Thực hiện",
           "projection": "Dự báo đến hạn", "funnels": "Tiến trình theo khóa học",
           "no_courses": "Chưa có khóa học.", "reports": "Tải báo cáo",
           "funnel": ["Ghi danh", "Bắt đầu thực hành", "Đạt kiểm tra", "Hoàn thành"],
           "semi": "Báo cáo 6 tháng", "annual": "Báo cáo năm",
           "coverage": "Sổ đăng ký KCN, CCN và doanh nghiệp",
           "coverage_note": "Mẫu số của các tỷ lệ là toàn bộ KCN, CCN và doanh nghiệp trong sổ "
                            "đăng ký, kể cả nơi chưa có ai ghi danh.",
           "no_registry": "Chưa nhập sổ đăng ký: số liệu chỉ gồm các nơi có trong danh sách "
                          "học viên (senlab registry import).",
           "coverage_rows": ["KCN, CCN", "Doanh nghiệp"],
           "reached": "có học viên", "not_reached": "chưa có ai ghi danh",
           "derived": "Chỉ tiêu đào tạo (do SenLab suy ra)",
           "derived_from": "Suy ra từ mục tiêu của Kế hoạch", "derivation": "Cách suy ra",
           "denominator": "Mẫu số (sổ đăng ký)",
           "plan_targets": "Mục tiêu của Kế hoạch 478/KH-UBND (nguyên văn)",
           "plan_note": "SenLab không đo các mục tiêu này; doanh nghiệp viễn thông, Ban Quản "
                        "lý Khu kinh tế và doanh nghiệp báo cáo.",
           "plan_cols": ["Mục", "Mục tiêu", "Giai đoạn", "Nguyên văn Kế hoạch"],
           "assumptions": "Giả định (Sở KH&CN có thể sửa trong goals.yaml)",
           "assumption_cols": ["Giả định", "Giá trị", "Nội dung"],
           "target_from": "Mục tiêu = tích các giả định"},
    "en": {"title": "5G/IoT training progress", "other_lang": "Tiếng Việt",
           "subtitle": "Đồng Tháp plan 478/KH-UBND, 2025–2030",
           "park": "Park", "enterprise": "Enterprise", "course": "Course",
           "period": "Period", "as_of": "As of", "all": "All", "current": "Current",
           "apply": "Filter", "indicators": "Indicators", "plan_section": "Section",
           "target": "Target", "actual": "Actual", "projection": "Projected at deadline",
           "funnels": "Completion funnels per course", "no_courses": "No courses yet.",
           "reports": "Download reports",
           "funnel": ["Enrolled", "Started a lab", "Passed a check", "Completed"],
           "semi": "Semi-annual report", "annual": "Annual report",
           "coverage": "Registry of parks and enterprises",
           "coverage_note": "The shares divide by every park and enterprise in the registry, "
                            "including those where nobody has enrolled.",
           "no_registry": "No registry imported yet: the figures count only the places on "
                          "the roster (senlab registry import).",
           "coverage_rows": ["Parks", "Enterprises"],
           "reached": "with trainees", "not_reached": "nobody enrolled",
           "derived": "Training indicator (derived by SenLab)",
           "derived_from": "Derived from the plan's target", "derivation": "Derivation",
           "denominator": "Denominator (registry)",
           "plan_targets": "Targets of Plan 478/KH-UBND (its own words)",
           "plan_note": "SenLab does not measure these; the carriers, the Economic Zone "
                        "Authority and the enterprises report them.",
           "plan_cols": ["Section", "Target", "Period", "The plan's words"],
           "assumptions": "Assumptions (DOST may change them in goals.yaml)",
           "assumption_cols": ["Assumption", "Value", "Meaning"],
           "target_from": "Target = product of the assumptions"},
}


def _options(rows: Iterable[Sequence[str]], selected: str | None) -> Markup:
    """`<option>`s for (value, label) rows, made as the rows stream from the cursor: a
    province has thousands of enterprises, and holding them all as row objects (or
    looping over them in the template) costs more than the rest of the page."""
    return Markup("".join(
        f'<option value="{escape(row[0])}"{" selected" if row[0] == selected else ""}>'
        f"{escape(row[1])}</option>" for row in rows))


def _choices(session: Session, scope: Scope, filters: Filters,
             courses: list[tuple[str, str]]) -> dict[str, Markup]:
    """The filters' options, ready to show: enterprises, their parks, and courses."""
    # Core execution streams rows one at a time; the ORM would fetch them all first.
    connection = session.connection()
    enterprises = select(Enterprise.id, Enterprise.name).order_by(Enterprise.name)
    parks = select(Park.id, Park.name).order_by(Park.name)
    if not scope.everything:
        listed = Enterprise.id.in_(sorted(scope.enterprises))
        enterprises = enterprises.where(listed)
        parks = parks.where(Park.id.in_(select(Enterprise.park_id).where(listed)))
    return {"park_options": _options(connection.execute(parks), filters.park),
            "enterprise_options": _options(connection.execute(enterprises),
                                           filters.enterprise),
            "course_options": _options(courses, filters.course)}


def _report_links(prefix: str, as_of: date, t: dict[str, Any]) -> list[tuple[str, list]]:
    year = as_of.year
    periods = [(f"{t['semi']} {year}H1", f"{year}H1"), (f"{t['annual']} {year}", str(year))]
    return [(label, [(fmt, f"{prefix}api/reports/{code}?format={fmt}")
                     for fmt in ("xlsx", "pdf", "csv")]) for label, code in periods]


def figure(value: float, unit: str, lang: str) -> str:
    """A figure with its unit as the language writes it: 52,5%, 67 người, 150 trạm."""
    if unit == "%":
        return format_percent_value(value, lang)
    if unit == "người":
        return format_people(value, lang)
    return f"{format_number(value, lang)} {unit}"


def render_dashboard(session: Session, *, identity: Identity, scope: Scope,
                     indicators: list[Indicator], lang: str, filters: Filters,
                     period: str | None, as_of: date, prefix: str,
                     query: dict[str, str]) -> str:
    t = TEXT[lang]
    if not scope.everything:
        filters = Filters(park=filters.park, enterprise=filters.enterprise,
                          course=filters.course, enterprises=scope.enterprises)
    goals = goals_report(session, indicators=indicators, as_of=as_of, period=period,
                         filters=filters)
    trend_charts = {i.id: Markup(trend_svg(i, label=i.title_vi if lang == "vi" else i.title_en))
                    for i in goals.indicators}
    courses = [(c, title) for c, title in session.execute(
        select(Course.id, Course.title).order_by(Course.id))]
    choices = _choices(session, scope, filters, courses)
    titles = dict(courses)
    per_course = funnels(session, course_ids=[filters.course] if filters.course else None,
                         enterprise_ids=filters.enterprises if filters.enterprise is None
                         else frozenset({filters.enterprise}), park_id=filters.park)
    funnel_cards = [{"title": titles.get(course, course),
                     "svg": Markup(funnel_svg(funnel, t["funnel"]))}
                    for course, funnel in sorted(per_course.items())]
    other = {**query, "lang": "en" if lang == "vi" else "vi"}
    reach = coverage(session, park=filters.park, enterprises=filters.enterprises
                     if filters.enterprise is None else frozenset({filters.enterprise}))
    return TEMPLATES.get_template("dashboard.html").render(
        lang=lang, t=t, identity=identity, goals=goals, trend_charts=trend_charts,
        figure=lambda value, unit: figure(value, unit, lang),
        coverage=reach, coverage_chart=Markup(coverage_svg(reach, t)),
        plans={p.id: p for p in goals.plan_targets},
        funnels=funnel_cards, filters=filters, period=period,
        periods=sorted({p.period for i in indicators for p in i.targets}),
        other_lang_query=urlencode(other),
        reports=_report_links(prefix, as_of, t) if scope.everything else [], **choices)
