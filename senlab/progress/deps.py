"""FastAPI dependencies that read as types: the session, the settings, the goals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from senlab.events import Code, Name
from senlab.progress.errors import invalid
from senlab.progress.goals import Indicator
from senlab.progress.reports.data import PERIOD_PATTERN
from senlab.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_indicators(request: Request) -> list[Indicator]:
    return request.app.state.indicators


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
IndicatorsDep = Annotated[list[Indicator], Depends(get_indicators)]

# Parameters: each one's rule is in its type, so the OpenAPI schema states what the
# validation enforces. Patterns are written for both JSON Schema (ECMA) and Python: [0-9],
# not \d, which Python lets match any script's digits.
def matching(pattern: str, what: str) -> BeforeValidator:
    """Refuse text that does not match `pattern` before pydantic's lax parsing sees it
    (it reads ``0.5`` as a time and ``1700000000`` as a date)."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not compiled.match(value):
            raise ValueError(f"must be {what}")
        return value

    return BeforeValidator(check)


YEAR = "(20[0-9]{2}|2100)"
DAY = "(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?"
OFFSET = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DATE_PATTERN = f"^{YEAR}-{DAY}$"
DATE_TIME_PATTERN = f"^20[0-9]{{2}}-{DAY}T{TIME}{OFFSET}$"
# The trend reaches six months back: keep dates where calendars and targets make sense.
AsOfQuery = Annotated[
    date | None,
    matching(DATE_PATTERN, "a date YYYY-MM-DD from 2000-01-01 to 2100-12-31"),
    Query(ge=date(2000, 1, 1), le=date(2100, 12, 31), description="Default: today (UTC).",
          json_schema_extra={"pattern": DATE_PATTERN})]
SinceQuery = Annotated[
    datetime | None,
    matching(DATE_TIME_PATTERN, "a time with its offset, 2026-05-02T00:00:00Z or "
                                "2026-05-02T07:00:00+07:00 (years 2000 to 2099)"),
    Query(description="RFC 3339, with its offset: 2026-05-02T00:00:00Z",
          json_schema_extra={"pattern": DATE_TIME_PATTERN})]
# SQLite and PostgreSQL take a 64-bit OFFSET; no page is anywhere near this one.
MAX_OFFSET = 1_000_000_000
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
# A filter of the goals and the dashboard; empty (a form's "all") is no filter.
FilterQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._-]*$")]
TraineeName = Annotated[Name, Path(description="A trainee's hub user name, e.g. trainee1.")]
CourseId = Annotated[Code, Path(description="A course's id, e.g. iot101.")]
EnterpriseId = Annotated[Code, Path(description="An enterprise's id, e.g. mekong-foods.")]
CertificateCode = Annotated[Code, Path(description="A certificate's code, e.g. SL-7K2Q-M9XD-4T.")]
ReportPeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN,
                                       description="2026 (annual) or 2026H1 (semi-annual).")]
# Filled in by the app from the goals' targets (`create_app`), as their enum in the schema.
TARGET_PERIODS = "x-senlab-target-periods"


def target_period(indicators: IndicatorsDep, period: Annotated[str | None, Query(
        description="One of the targets' periods, e.g. 2025-2027; empty for the current one.",
        json_schema_extra={TARGET_PERIODS: True})] = None) -> str | None:
    """The period of the goals' targets that `period` names, None for none."""
    if not period:
        return None
    periods = sorted({t.period for i in indicators for t in i.targets})
    if period not in periods:
        raise invalid("query", "period", f"must be one of {periods} (the targets' periods)",
                      period)
    return period


TargetPeriod = Annotated[str | None, Depends(target_period)]
