"""The dashboard's page: indicators with trends, funnels per course, report links (vi/en)."""

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

from senlab.progress.access import Scope
from senlab.progress.charts import funnel_svg, trend_svg
from senlab.progress.crud.progress import funnels
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
           "semi": "Báo cáo 6 tháng", "annual": "Báo cáo năm"},
    "en": {"title": "5G/IoT training progress", "other_lang": "Tiếng Việt",
           "subtitle": "Đồng Tháp plan 478/KH-UBND, 2025–2030",
           "park": "Park", "enterprise": "Enterprise", "course": "Course",
           "period": "Period", "as_of": "As of", "all": "All", "current": "Current",
           "apply": "Filter", "indicators": "Indicators", "plan_section": "Section",
           "target": "Target", "actual": "Actual", "projection": "Projected at deadline",
           "funnels": "Completion funnels per course", "no_courses": "No courses yet.",
           "reports": "Download reports",
           "funnel": ["Enrolled", "Started a lab", "Passed a check", "Completed"],
           "semi": "Semi-annual report", "annual": "Annual report"},
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
    return TEMPLATES.get_template("dashboard.html").render(
        lang=lang, t=t, identity=identity, goals=goals, trend_charts=trend_charts,
        funnels=funnel_cards, filters=filters, period=period,
        periods=sorted({p.period for i in indicators for p in i.targets}),
        other_lang_query=urlencode(other),
        reports=_report_links(prefix, as_of, t) if scope.everything else [], **choices)
