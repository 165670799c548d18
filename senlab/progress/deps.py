"""FastAPI dependencies that read as types: the session, the settings, the goals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from senlab.progress.goals import Indicator
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
# The trend reaches six months back: keep dates where calendars and targets make sense.
AsOfQuery = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31),
                                         description="Default: today (UTC).")]
