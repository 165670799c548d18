"""A report in the format asked for: what ``senlab report`` and the dashboard call.

``write_report(settings, "2026H1", "xlsx", out)`` is what ``senlab report`` runs; the
dashboard serves ``render_report`` for download. A PDF is signed with the operator's
certificate (``senlab.progress.signing``) whenever the settings are given, so DOST can
check with ``senlab verify`` that the report it received is the one SenLab wrote.
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
from senlab.progress.signing import sign_pdf, signer_for
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
                  fmt: str, settings: Settings | None = None) -> bytes:
    """The report for `period` (2026H1 or 2026) in `fmt` (xlsx, pdf or csv), as bytes; a
    PDF signed by the signer of `settings` when they are given.

    SignerError (a ValueError naming the setting) when a PDF is to be signed and the
    signer cannot be loaded: a report is never handed out unsigned by mistake."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} must be one of {', '.join(FORMATS)}")
    signer = signer_for(settings) if settings is not None and fmt == "pdf" else None
    content = render(report_data(session, indicators=indicators, period=parse_period(period)),
                     fmt)
    if signer is None:
        return content
    return sign_pdf(content, signer, reason=f"SenLab report {period}")


def write_report(settings: Settings, period: str, fmt: str, out: Path) -> Path:
    """Write the report for `period` in `fmt` to `out` (what ``senlab report`` runs)."""
    engine = db.make_engine(settings.db_url)
    try:
        db.migrate(engine)
        with db.session_factory(engine)() as session:
            content = render_report(session, indicators=load_goals(goals_path(settings.home)),
                                    period=period, fmt=fmt, settings=settings)
    finally:
        engine.dispose()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return out
