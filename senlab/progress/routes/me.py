"""The trainee's own page, ``/me`` ("Tiến độ của tôi / My progress"), and the service's root.

``/me`` shows the logged-in trainee their courses, assignments with grades and pass marks,
links to their feedback, the lab checks still to pass, the hints they took, and their
certificates, in their language. It reads the same data as
``GET /api/trainees/{name}/progress`` (``crud.progress.trainee_progress``) and asks the
course's completion rule (``senlab.courses.CompletionRule``) which required assignments are
below their mark, so the page and the JSON never disagree. Someone who is no trainee
(an instructor, a manager, DOST, an admin) gets the next step of their role instead.

``/`` (what the hub's Services menu links to) sends a browser to its home: DOST, managers
and admins to ``/dashboard``, everyone else to ``/me``.

The language: ``?lang=vi|en`` (remembered in the ``senlab_lang`` cookie, which the hub's
pages use too), else the remembered choice, else the browser's Accept-Language, else the
locale (`senlab.i18n.resolve`). A request these pages refuse is answered with a page in
that language that says what went wrong and what to do, when the client asks for HTML; an
API client (no ``text/html`` in Accept) keeps the JSON answer the rest of the service gives.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from lab_devices.labs.labfile import LabFileError, load_lab
from senlab.courses import CompletionRule, graded
from senlab.courses.model import Course as CourseFile
from senlab.courses.model import CourseError, load_course
from senlab.i18n import (
    LanguageError,
    Translator,
    format_date,
    format_number,
    format_percent_value,
    resolve,
    translator,
)
from senlab.progress import access, schemas
from senlab.progress.auth import BrowserIdentity
from senlab.progress.crud.completions import load_rules
from senlab.progress.crud.progress import get_trainee, percent, trainee_progress
from senlab.progress.deps import SessionDep, SettingsDep
from senlab.progress.errors import invalid, refusals, request_invalid
from senlab.progress.identity import Identity
from senlab.settings import Settings

# The hub's pages remember a language in this cookie, for the whole site (path /): a
# choice made on the hub's pages or on these is one remembered choice.
LANG_COOKIE = "senlab_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
HUB = "/hub/"
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent.parent
                                                / "templates"),
                        autoescape=select_autoescape(["html"]))


def wants_html(request: Request) -> bool:
    """A browser asks for HTML; an API client (curl, httpx, scripts) does not."""
    return "text/html" in request.headers.get("accept", "")


def page_language(request: Request) -> str:
    """The language of the page: the `lang` asked for now, else the remembered one, else
    the browser's, else the locale (`senlab.i18n.resolve`). A `lang` not offered is an
    error: 422 naming the parameter (an error page for a browser, in the next language)."""
    choice = request.query_params.get("lang") or None
    try:
        return resolve(choice, where="lang", remembered=request.cookies.get(LANG_COOKIE),
                       accept_language=request.headers.get("accept-language"))
    except LanguageError as error:
        raise invalid("query", "lang", str(error), choice) from error


def _fallback_language(request: Request) -> str:
    """The language of an error page: as `page_language`, with a bad `lang` skipped."""
    try:
        return page_language(request)
    except RequestValidationError:
        return resolve(remembered=request.cookies.get(LANG_COOKIE),
                       accept_language=request.headers.get("accept-language"))


class PageRoute(APIRoute):
    """A route whose refusals a browser reads as a page in its language (an API client
    gets the service's usual JSON). A browser that must log in is still sent to the hub's
    login by the app (`LoginRequired`), which no page could do better."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                if not wants_html(request):
                    return await request_invalid(request, error)
                detail = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}"
                                   for e in error.errors())
                return error_page(request, 422, detail)
            except StarletteHTTPException as error:
                if not wants_html(request):
                    return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                                        headers=error.headers)
                return error_page(request, error.status_code, str(error.detail))

        return page_handler


router = APIRouter(route_class=PageRoute, tags=["trainee"])


def _login_url(prefix: str) -> str:
    # The hub's login, then back here (JupyterHub URL scheme: /hub/login?next=).
    return f"{HUB}login?{urlencode({'next': prefix + 'me'})}"


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """What went wrong and what to do, in the reader's language; `detail` (the service's
    own words, in English) is shown for whoever helps them."""
    lang = _fallback_language(request)
    _ = translator(lang)
    prefix = request.app.state.settings.hub_service_prefix
    if status == 401:
        title = _("You are not logged in")
        advice = _("Log in to SenLab, then come back to this page.")
        action = (_("Log in"), _login_url(prefix))
    elif status == 403:
        title = _("This page is not for your account")
        advice = _("Your account may not see what you asked for. Your own progress is "
                   "on the page My progress.")
        action = (_("My progress"), prefix + "me")
    elif status == 404:
        title = _("Nothing found")
        advice = _("The address may be mistyped or out of date. Start again from your "
                   "progress page.")
        action = (_("My progress"), prefix + "me")
    elif status in (400, 422):
        title = _("This address cannot be read")
        advice = _("A part of the address is not valid. Open the page again from its link.")
        action = (_("My progress"), prefix + "me")
    else:
        title = _("SenLab cannot answer right now")
        advice = _("A service SenLab relies on did not answer. Try again in a few minutes; "
                   "if it goes on, tell your instructor.")
        action = (_("Try again"), str(request.url.path))
    page = TEMPLATES.get_template("me_base.html").render(
        lang=lang, t=_common_text(_), title=title, advice=advice, action=action,
        status=status, detail=detail, lang_links=_lang_links(request, lang))
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def _common_text(_: Translator) -> dict[str, str]:
    return {"site": _("SenLab"), "language": _("Language"),
            "home": _("Hub home"), "status": _("Status"), "detail": _("Details")}


def _lang_links(request: Request, lang: str) -> list[dict[str, Any]]:
    """A link to the page in each offered language, the current one marked."""
    names = {"vi": "Tiếng Việt", "en": "English"}
    links = []
    for code, name in names.items():
        query = {**request.query_params, "lang": code}
        links.append({"code": code, "name": name, "current": code == lang,
                      "href": f"{request.url.path}?{urlencode(query)}"})
    return links


@router.get("/", include_in_schema=False)
def home(identity: BrowserIdentity, session: SessionDep, settings: SettingsDep
         ) -> RedirectResponse:
    """The service's root, where the hub's Services menu points: each role's home."""
    prefix = settings.hub_service_prefix
    target = "dashboard" if _dashboard_reader(session, identity) else "me"
    return RedirectResponse(prefix + target, status_code=303)


def _dashboard_reader(session: Session, identity: Identity) -> bool:
    """Whether the dashboard would show `identity` anything, by its own rule
    (`access.dashboard_scope`): DOST, admins, and managers of at least one enterprise."""
    try:
        access.dashboard_scope(session, identity)
    except HTTPException:
        return False
    return True


@router.get("/me", response_class=HTMLResponse, summary="My progress (the trainee's page)",
            responses={302: {"description": "A browser without a token goes to log in."},
                       **refusals(401, 403, 502)})
def my_progress(identity: BrowserIdentity, session: SessionDep, settings: SettingsDep,
                request: Request,
                asked: Annotated[Literal["vi", "en"] | None,
                                 Query(alias="lang", description="vi or en (remembered).")
                                 ] = None,
                ) -> HTMLResponse:
    """The logged-in trainee's courses, grades, lab checks, hints and certificates, in
    their language (`lang`: vi or en, remembered); another role's next step."""
    lang = page_language(request)  # `asked` is in it, as the schema publishes it
    _ = translator(lang)
    prefix = settings.hub_service_prefix
    if identity.is_service:
        raise access.forbid("open a trainee's page as a hub service")
    trainee = get_trainee(session, username=identity.name)
    courses: list[dict[str, Any]] = []
    full_name = identity.name
    if trainee is not None:
        access.require_trainee_visible(session, identity, trainee)
        progress = trainee_progress(session, trainee=trainee)
        full_name = progress.full_name or progress.username
        rules = load_rules(session, {c.course for c in progress.courses})
        courses = [course_view(c, rules.get(c.course), _, settings=settings, prefix=prefix)
                   for c in progress.courses]
    page = TEMPLATES.get_template("me.html").render(
        lang=lang, t={**_common_text(_), **_page_text(_)}, name=full_name,
        username=identity.name, courses=courses,
        next_steps=next_steps(session, identity, _, prefix),
        lang_links=_lang_links(request, lang))
    response = HTMLResponse(page, headers={"Cache-Control": "private, no-store"})
    if request.query_params.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_SECONDS, path="/",
                            samesite="lax", secure=request.url.scheme == "https")
    return response


def next_steps(session: Session, identity: Identity, _: Translator, prefix: str
               ) -> list[dict[str, str]]:
    """What each of the identity's roles (other than trainee) does next, with its link."""
    steps = []
    if _dashboard_reader(session, identity):
        steps.append({"text": _("You follow the training of the province or of your "
                                "enterprises on the dashboard."),
                      "label": _("Open the dashboard"), "href": prefix + "dashboard"})
    if identity.is_instructor:
        # nbgrader's formgrader extension serves /formgrader in the instructor's own
        # server (senlab.hub.courses turns it on there), reached by /hub/user-redirect/.
        steps.append({"text": _("You grade submissions and release feedback in the "
                                "formgrader of your server."),
                      "label": _("Open the formgrader"),
                      "href": f"{HUB}user-redirect/formgrader"})
    return steps


def _page_text(_: Translator) -> dict[str, str]:
    return {
        "title": _("My progress"),
        "intro": _("Your courses, grades, lab checks and certificates, as SenLab recorded "
                   "them."),
        "no_courses": _("You are not enrolled in any course yet. Your courses appear here "
                        "once you start a lab or submit an assignment."),
        "assignments": _("Assignments"), "assignment": _("Assignment"),
        "score": _("Score"), "pass_mark": _("Pass mark"), "result": _("Result"),
        "feedback": _("Feedback"), "open_feedback": _("Open feedback"),
        "feedback_note": _("Feedback opens in your server after you press Fetch feedback "
                           "under Assignments in JupyterLab."),
        "checks": _("Lab checks"), "still_to_pass": _("Still to pass"),
        "all_checks_passed": _("Every lab check the course counts has passed."),
        "passed_checks": _("Passed"), "practice": _("Practice checks (not counted)"),
        "hints": _("Hints taken"), "deadlines": _("Deadlines"),
        "certificate": _("Certificate of completion"),
        "code": _("Verification code"), "download": _("Download the PDF"),
        "verify": _("Verification page"),
        "completed_on": _("Completed on"), "not_completed": _("Not completed yet."),
        "min_average": _("Least average over all assignments"),
        "other_roles": _("Your other work"),
    }


@lru_cache(maxsize=64)
def _course_file(folder: Path, mtime: float) -> CourseFile | None:
    try:
        return load_course(folder)
    except CourseError:
        return None


def course_file(settings: Settings, course_id: str) -> CourseFile | None:
    """The course's course.yaml (its titles in both languages), when this machine has it;
    None otherwise (a published course is shown with its published title)."""
    folder = settings.repo_root / "courses" / course_id
    try:
        mtime = (folder / "course.yaml").stat().st_mtime
    except OSError:
        return None
    return _course_file(folder, mtime)


@lru_cache(maxsize=64)
def _check_titles_of(path: Path, mtime: float) -> dict[str, dict[str, str]]:
    try:
        lab = load_lab(path)
    except LabFileError:
        return {}
    return {check.id: {"vi": check.title.vi, "en": check.title.en} for check in lab.checks}


def lab_check_titles(settings: Settings, lab: str) -> dict[str, dict[str, str]]:
    """The titles of a lab's checks, from its lab.yaml when this machine has it."""
    path = settings.repo_root / "labs" / lab / "lab.yaml"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    return _check_titles_of(path, mtime)


def _day(moment: datetime | date | None, lang: str) -> str:
    if moment is None:
        return ""
    return format_date(moment.date() if isinstance(moment, datetime) else moment, lang)


def course_view(course: schemas.CourseOfTrainee, rule: CompletionRule | None, _: Translator,
                *, settings: Settings, prefix: str) -> dict[str, Any]:
    """One course as the page shows it, every number written in the reader's language."""
    lang = _.lang
    source = course_file(settings, course.course)
    title = _.pick(source.title.model_dump()) if source else course.title
    titles = {a.id: a.title.model_dump() for a in source.assignments} if source else {}
    grades = {g.assignment: g for g in course.grades}
    order = list(rule.pass_marks) if rule else []
    order += [a for a in grades if a not in order]
    hints_taken = [(h.lab, h.check) for h in getattr(course, "hints", [])]
    below: set[str] = set()
    if rule is not None:
        # The completion rule decides which required assignments are under their mark
        # (with what the hints cost), as it does when it issues the certificate.
        latest = {g.assignment: graded(g.score, g.max_score, g.recorded_at)
                  for g in course.grades if g.max_score > 0}
        standing = (rule.standing(latest, {}, hints_taken) if hints_taken
                    else rule.standing(latest, {}))
        below = set(standing.below_pass_mark)
    assignments = []
    for assignment in order:
        grade = grades.get(assignment)
        required = rule is not None and assignment in rule.required
        mark = rule.pass_marks.get(assignment) if rule else None
        row: dict[str, Any] = {
            "id": assignment, "title": _.pick(titles.get(assignment)) or assignment,
            "pass_mark": format_percent_value(mark, lang) if mark is not None else "",
            "required": required, "score": "", "percent": "", "hint_note": "",
            "feedback": "", "graded_on": ""}
        if grade is None:
            row["result"] = _("not graded yet")
            row["state"] = "todo"
        else:
            row["score"] = (f"{format_number(grade.score, lang)}/"
                            f"{format_number(grade.max_score, lang)}")
            share = percent(grade.score, grade.max_score)
            row["percent"] = format_percent_value(share, lang) if share is not None else ""
            row["graded_on"] = _day(grade.recorded_at, lang)
            points = getattr(grade, "hint_points", 0.0) or 0.0
            if points:
                counted = getattr(grade, "effective_score", None)
                counted = max(0.0, grade.score - points) if counted is None else counted
                row["hint_note"] = _(
                    "{counted}/{max} counts after hints (−{points})",
                    points=format_number(points, lang), counted=format_number(counted, lang),
                    max=format_number(grade.max_score, lang))
            if not required:
                row["result"] = _("optional: counts toward the average")
                row["state"] = "optional"
            elif assignment in below:
                row["result"] = _("below the pass mark")
                row["state"] = "below"
            else:
                row["result"] = _("passed")
                row["state"] = "passed"
            # Fetch feedback (nbgrader 0.9, ExchangeFetchFeedback.init_dest of the default
            # exchange) copies it to <assignment_dir>/<course>/<assignment>/feedback/<time>/
            # (Exchange.path_includes_course = True in the hub's config; assignment_dir
            # "." is the server's root_dir). The <time> folder changes with each
            # submission: no one file has a stable URL, so the link opens the folder in
            # JupyterLab (/lab/tree/<path>, "JupyterLab URLs"; the docs show it for a file,
            # a folder opens in the file browser) in the trainee's own server, through
            # /hub/user-redirect/ (JupyterHub docs, "JupyterHub URL scheme").
            row["feedback"] = (f"{HUB}user-redirect/lab/tree/{quote(course.course)}/"
                               f"{quote(assignment)}/feedback")
        assignments.append(row)
    return {
        "id": course.course, "title": title,
        "assignments": assignments,
        "min_average": format_percent_value(rule.min_average, lang)
        if rule and rule.min_average > 0 else "",
        **_checks_view(course, rule, _, settings),
        "hints": _hints_view(course, rule, _, settings),
        "deadlines": _deadlines_view(course, titles, _),
        "completed_on": _day(course.completed_at, lang),
        "certificate": _certificate_view(course.certificate_code, prefix),
    }


def _check_title(titles: dict[tuple[str, str], dict[str, str]], lab: str, check: str,
                 settings: Settings, _: Translator) -> str:
    text = titles.get((lab, check)) or lab_check_titles(settings, lab).get(check)
    return _.pick(text) or check


def _checks_view(course: schemas.CourseOfTrainee, rule: CompletionRule | None, _: Translator,
                 settings: Settings) -> dict[str, Any]:
    """The checks still to pass (as the progress data says), those passed, and practice."""
    listed = {(c.lab, c.check): c.title.model_dump() for c in (rule.checks if rule else [])}
    remaining = [{"title": _.pick(c.title.model_dump()) or c.check, "lab": c.lab,
                  "check": c.check} for c in course.remaining_checks]
    passed, practice = [], []
    for result in course.checks:
        item = {"title": _check_title(listed, result.lab, result.check, settings, _),
                "lab": result.lab, "check": result.check, "passed": result.passed,
                "state": _("passed") if result.passed else _("not passed"),
                "on": _day(result.checked_at, _.lang)}
        if (result.lab, result.check) in listed:
            if result.passed:
                passed.append(item)
        else:
            practice.append(item)
    return {"remaining_checks": remaining, "passed_checks": passed,
            "practice_checks": practice, "has_listed_checks": bool(listed)}


def _hints_view(course: schemas.CourseOfTrainee, rule: CompletionRule | None, _: Translator,
                settings: Settings) -> list[dict[str, str]]:
    listed = {(c.lab, c.check): c.title.model_dump() for c in (rule.checks if rule else [])}
    hints = []
    for hint in getattr(course, "hints", []):
        points = getattr(hint, "points", 0.0) or 0.0
        written = format_number(points, _.lang)
        if not points:
            cost = _("free")
        elif points == 1:
            cost = _("{points} point", points=written)
        else:
            cost = _("{points} points", points=written)
        hints.append({"title": _check_title(listed, hint.lab, hint.check, settings, _),
                      "on": _day(hint.taken_at, _.lang), "cost": cost})
    return hints


def _deadlines_view(course: schemas.CourseOfTrainee, titles: dict[str, dict[str, str]],
                    _: Translator) -> list[dict[str, str]]:
    """The course's deadlines when the progress data carries them (``deadlines``: items
    with ``assignment`` and ``due``); none otherwise, and then nothing is shown."""
    shown = []
    for item in getattr(course, "deadlines", None) or []:
        assignment = getattr(item, "assignment", None)
        due = getattr(item, "due", None) or getattr(item, "due_at", None)
        if due is None:
            continue
        shown.append({"title": _.pick(titles.get(assignment or "")) or assignment or "",
                      "due": _day(due, _.lang)})
    return shown


def _certificate_view(code: str | None, prefix: str) -> dict[str, str] | None:
    """The certificate's code, its PDF (``/api/certificates/{code}/pdf``) and its public
    verification page (``/verify/{code}``): the certificate routes' own addresses."""
    if not code:
        return None
    return {"code": code, "pdf": f"{prefix}api/certificates/{quote(code)}/pdf",
            "verify": f"{prefix}verify/{quote(code)}"}
