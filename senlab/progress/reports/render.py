"""A report in the format asked for: what ``senlab report`` and the dashboard call.

``write_report(settings, "2026H1", "xlsx", out)`` is what ``senlab report`` runs; the
dashboard serves ``render_report`` for download. A PDF is signed with the operator's
certificate (``senlab.progress.signing``) whenever the settings are given, so DOST can
check with ``senlab verify`` that the report it received is the one SenLab wrote.

The period's rule (``nd09``, Decree 09/2019/NĐ-CP Article 12, or ``kh478``, the dates of
Plan 478 section VI.6) and the document's fields (number, recipients, signer) are report
options; unset, they come from the settings when those exist (SENLAB_REPORT_RULE, …),
else from the demo defaults of ``reports.document``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from senlab.progress import db
from senlab.progress.goals import Indicator, goals_path, load_goals
from senlab.progress.reports.data import DEFAULT_RULE, ReportData, parse_period, report_data
from senlab.progress.reports.document import DocumentOptions, resolve
from senlab.progress.reports.pdf import to_pdf
from senlab.progress.reports.tables import to_csv
from senlab.progress.reports.xlsx import to_xlsx
from senlab.progress.signing import Signer, sign_pdf, signer_for
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


def default_rule(settings: Settings | None) -> str:
    """DOST's choice of rule: SENLAB_REPORT_RULE when the settings have it, else nd09."""
    return str(getattr(settings, "report_rule", None) or DEFAULT_RULE)


def _issuer(settings: Settings | None) -> str | None:
    return settings.issuer_name if settings is not None else None


def render_report(session: Session, *, indicators: list[Indicator], period: str,
                  fmt: str, settings: Settings | None = None, rule: str | None = None,
                  options: DocumentOptions | None = None) -> bytes:
    """The report for `period` (2026H1 or 2026) in `fmt` (xlsx, pdf or csv), as bytes; a
    PDF signed by the signer of `settings` when they are given.

    PeriodError (a ValueError naming ``period`` or ``rule``) for a period outside Plan 478
    or malformed, before anything is computed or signed. SignerError (a ValueError naming
    the setting) when a PDF is to be signed and the signer cannot be loaded: a report is
    never handed out unsigned by mistake."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} must be one of {', '.join(FORMATS)}")
    reporting = parse_period(period, rule or default_rule(settings))
    signer: Signer | None = (signer_for(settings) if settings is not None and fmt == "pdf"
                             else None)
    document = resolve(options or DocumentOptions(), period_name=reporting.name_vi,
                       today=date.today(), issuer_setting=_issuer(settings),
                       signer_name=signer.name if signer is not None else None)
    content = render(report_data(session, indicators=indicators, period=reporting,
                                 document=document), fmt)
    if signer is None:
        return content
    return sign_pdf(content, signer, reason=f"SenLab report {period}")


def write_report(settings: Settings, period: str, fmt: str, out: Path, *,
                 rule: str | None = None, options: DocumentOptions | None = None) -> Path:
    """Write the report for `period` in `fmt` to `out` (what ``senlab report`` runs).

    Nothing is written when the period, the rule or the signer is refused."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} must be one of {', '.join(FORMATS)}")
    parse_period(period, rule or default_rule(settings))  # refused before the database opens
    engine = db.make_engine(settings.db_url)
    try:
        db.migrate(engine)
        with db.session_factory(engine)() as session:
            content = render_report(session, indicators=load_goals(goals_path(settings.home)),
                                    period=period, fmt=fmt, settings=settings, rule=rule,
                                    options=options)
    finally:
        engine.dispose()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return out
