"""A report in the format asked for: what ``senlab report`` and the dashboard call.

``write_report(settings, "2026H1", "xlsx", out)`` is what ``senlab report`` runs; the
dashboard serves ``render_report`` for download.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from senlab.progress import db
from senlab.progress.goals import Indicator, goals_path, load_goals
from senlab.progress.reports.data import ReportData, parse_period, report_data
from senlab.progress.reports.pdf import to_pdf
from senlab.progress.reports.tables import to_csv
from senlab.progress.reports.xlsx import to_xlsx
from senlab.settings import Settings

FORMATS = ("xlsx", "pdf", "csv")


def render(data: ReportData, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(data)
    if fmt == "xlsx":
        return to_xlsx(data)
    if fmt == "pdf":
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
