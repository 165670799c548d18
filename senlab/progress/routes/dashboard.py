"""The dashboard (browsers, HubOAuth), its OAuth callback, and report downloads."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from senlab.progress import access
from senlab.progress.auth import STATE_COOKIE, TOKEN_COOKIE, BrowserIdentity, CurrentIdentity
from senlab.progress.dashboard import render_dashboard
from senlab.progress.deps import (
    AsOfQuery,
    FilterQuery,
    IndicatorsDep,
    ReportPeriodPath,
    SessionDep,
    SettingsDep,
    TargetPeriod,
)
from senlab.progress.errors import invalid, refusals
from senlab.progress.goals import Filters
from senlab.progress.reports.data import PeriodError
from senlab.progress.reports.document import DocumentOptions
from senlab.progress.reports.render import render_report

router = APIRouter()
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


@router.get("/dashboard", response_class=HTMLResponse, tags=["dashboard"],
            responses={302: {"description": "A browser without a token goes to log in."},
                       303: {"description": "Someone the dashboard has nothing for (a "
                                            "trainee, an instructor) goes to their own page."},
                       **refusals(401, 403)})
def dashboard(identity: BrowserIdentity, session: SessionDep, indicators: IndicatorsDep,
              settings: SettingsDep, request: Request, period: TargetPeriod,
              lang: Literal["vi", "en"] = "vi", park: FilterQuery = None,
              enterprise: FilterQuery = None, course: FilterQuery = None,
              as_of: AsOfQuery = None) -> Response:
    """Indicators against targets with trends, and funnels per course (DOST, managers)."""
    try:
        scope = access.dashboard_scope(session, identity)
    except HTTPException:
        if identity.kind == "service":
            raise
        # A person with nothing here (a trainee, an instructor): their own home instead.
        home = f"{settings.hub_service_prefix.rstrip('/')}/me"
        return RedirectResponse(f"{home}?lang={lang}", status_code=303)
    if enterprise and not scope.everything and enterprise not in scope.enterprises:
        raise access.forbid(f"see enterprise {enterprise!r}")
    page = render_dashboard(
        session, identity=identity, scope=scope, indicators=indicators, lang=lang,
        filters=Filters(park=park or None, enterprise=enterprise or None,
                        course=course or None),
        period=period,
        as_of=as_of or datetime.now(UTC).date(), prefix=settings.hub_service_prefix,
        query={k: v for k, v in request.query_params.items()})
    return HTMLResponse(page)


@router.get("/oauth_callback", include_in_schema=False)
async def oauth_callback(request: Request, code: str = "", state: str = "") -> Response:
    """Where the hub sends a browser back after login: keep its token in a cookie."""
    if not code or not state or request.cookies.get(STATE_COOKIE) != state:
        raise HTTPException(400, "the OAuth state does not match: start again from the page")
    resolver = request.app.state.resolver
    token, next_url = await resolver.finish_login(code, state)
    prefix = request.app.state.settings.hub_service_prefix
    if not next_url.startswith(prefix):
        next_url = prefix + "dashboard"  # never redirect off the service
    response = RedirectResponse(next_url, status_code=302)
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, path=prefix, samesite="lax",
                        secure=request.url.scheme == "https")
    response.delete_cookie(STATE_COOKIE, path=prefix)
    return response


@router.get("/api/reports/{period}", tags=["reports"], response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()}},
                       **refusals(401, 403)})
def report(period: ReportPeriodPath, identity: CurrentIdentity, session: SessionDep,
           settings: SettingsDep,
           indicators: IndicatorsDep,
           format: Annotated[Literal["xlsx", "pdf", "csv"], Query()] = "xlsx",
           rule: Annotated[Literal["nd09", "kh478"] | None, Query(
               description="The period's dates: nd09 (Decree 09/2019/NĐ-CP, Article 12: "
               "15/12-14/06 and 15/12-14/12) or kh478 (Plan 478, VI.6: 20/06 and 20/11); "
               "SENLAB_REPORT_RULE, else nd09, if unset.")] = None,
           number: Annotated[str | None, Query(
               pattern=r"^[0-9]{1,6}$",
               description="The document's number (12 for 12/BC-SKHCN); blank if unset.")]
           = None) -> Response:
    """The semi-annual (2026H1) or annual (2026) report of 2025-2030, for DOST and admins:
    an administrative document with its period and data cut-off."""
    access.require_province_reader(identity, "download reports (DOST and admins only)")
    try:
        content = render_report(session, indicators=indicators, period=period, fmt=format,
                                settings=settings, rule=rule,
                                options=DocumentOptions(number=number or ""))
    except PeriodError as error:
        raise invalid("path" if error.parameter == "period" else "query", error.parameter,
                      str(error), period if error.parameter == "period" else rule) from error
    return Response(content, media_type=MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="senlab-bao-cao-{period}.{format}"'})
