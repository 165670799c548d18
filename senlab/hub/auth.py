"""Authentication and the hub's own pages: NativeAuthenticator (accounts with admin
approval) plus seeded accounts, a sign-up an approver can judge, the pages in the user's
language, and where each role lands after login.

Operators onboard a real cohort with sign-up and approval (or `senlab roster import`).
`senlab up` also seeds the operator's `admin` account and, with `--demo`, the demo
cohort, so that a new hub can be used at once.

**Language of the hub's pages.** `page_language` decides it per request with
`senlab.i18n.resolve`: a `?lang=` chosen now (then remembered in the `senlab_lang` cookie,
path `/`, so the progress service can read the same choice), else that cookie, else the
browser's `Accept-Language`, else Vietnamese. The hub's locale variables are not asked: the
hub's process speaks for no browser. Templates (hub_config/templates) call `_("…")`, a
Jinja global that `PageLanguage` adds to JupyterHub's environment
(`c.JupyterHub.jinja_environment_options`). Every message the templates use is listed in
`PAGE_MESSAGES`, so the catalogue check sees them (tests/hub/test_landing.py keeps the list
and the templates in step).

**Sign-up details.** NativeAuthenticator's `users_info` has a user name, a password and an
e-mail only. What an approver needs (full name, enterprise, park, phone, e-mail) is kept in
a table of its own, `senlab_signup_details`, in the hub's database beside `users_info`,
one row per user name, created on start if missing; discarding a pending sign-up removes
its row too. The approval page (`/hub/authorize`) shows these beside each user.

**Landing.** `landing_url` is `c.JupyterHub.default_url`: DOST officers, enterprise
managers and administrators (who take no course and teach none) go to the progress
dashboard, and no single-user server is started for them; a trainee with no course yet goes
to the hub's home, which says what to do next; trainees with courses and instructors go to
their JupyterLab, as JupyterHub does by default.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import bcrypt
from jinja2 import pass_context
from jinja2.ext import Extension
from jupyterhub.orm import Base
from jupyterhub.utils import url_path_join
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator import handlers as native
from nativeauthenticator.orm import UserInfo
from sqlalchemy import Column, DateTime, String, Unicode
from tornado import web
from tornado.escape import url_escape
from tornado.httputil import url_concat
from traitlets import Dict
from traitlets import Unicode as UnicodeTrait

from senlab.hub.courses import STUDENT_PREFIX
from senlab.hub.roles import ROLE_GROUPS
from senlab.i18n import DEFAULT, N_, OFFERED, LanguageError, offered, resolve, translator

LANG_COOKIE = "senlab_lang"
"""The cookie that remembers a language chosen on a page (path `/`: every SenLab page)."""
LANG_COOKIE_DAYS = 365
DASHBOARD_PATH = "services/progress/dashboard"
MY_PROGRESS_PATH = "services/progress/me"
SERVER_ROLES = frozenset({"trainee", "instructor"})
"""The roles that work in JupyterLab; the others follow the work on the dashboard."""
DASHBOARD_ROLES = frozenset({"manager", "dost", "admin"})
JUPYTERLAB_LOCALES = {"vi": "vi_VN", "en": "en"}
"""JupyterLab's `@jupyterlab/translation-extension:plugin` locale for each page language
(vi_VN is the locale of the jupyterlab-language-pack-vi-VN package; en is built in)."""


# --- Roles and landing --------------------------------------------------------------------

_GROUP_ROLES = {group: role for role, group in ROLE_GROUPS.items()}


def group_names(user) -> list[str]:
    return [group.name for group in getattr(user, "groups", None) or []]


def roles_of(user) -> set[str]:
    """The user's SenLab roles: their role groups, and `admin` for a hub administrator."""
    roles = {_GROUP_ROLES[name] for name in group_names(user) if name in _GROUP_ROLES}
    if getattr(user, "admin", False):
        roles.add("admin")
    return roles


def enrolled_courses(user) -> list[str]:
    """The courses the user takes: nbgrader's `nbgrader-<course>` groups."""
    return sorted(name.removeprefix(STUDENT_PREFIX) for name in group_names(user)
                  if name.startswith(STUDENT_PREFIX))


def needs_server(user) -> bool:
    """Whether the user works in JupyterLab (a trainee or instructor), or only follows the
    work on the dashboard (DOST, managers, administrators: no server is started)."""
    roles = roles_of(user)
    return bool(roles & SERVER_ROLES) or not roles & DASHBOARD_ROLES


def landing_url(handler) -> str:
    """`c.JupyterHub.default_url`: where a logged-in user goes when no `next` is given.

    "" leaves JupyterHub's own choice (the user's server, started if needed).
    """
    user = handler.current_user
    if user is None:
        return ""
    if not needs_server(user):
        return url_path_join(handler.base_url, DASHBOARD_PATH)
    if not (roles_of(user) & {"instructor"}) and not enrolled_courses(user):
        return url_path_join(handler.hub.base_url, "home")  # the next step is said there
    return ""


# --- The language of a page ---------------------------------------------------------------

def page_language(handler) -> str:
    """The language of this request's page: `?lang=` (remembered), the cookie,
    Accept-Language, then vi. A `lang` SenLab does not offer is ignored, not an error."""
    cached = getattr(handler, "_senlab_lang", None)
    if cached:
        return cached
    lang = None
    choice = handler.get_query_argument("lang", None)
    if choice:
        try:
            lang = offered(choice)
        except LanguageError:
            lang = None
        else:
            remember_language(handler, lang)
    if lang is None:
        lang = resolve(remembered=handler.get_cookie(LANG_COOKIE),
                       accept_language=handler.request.headers.get("Accept-Language"),
                       environ={})
    handler._senlab_lang = lang
    return lang


def remember_language(handler, lang: str) -> None:
    if not getattr(handler, "_headers_written", False):
        handler.set_cookie(LANG_COOKIE, lang, path="/", expires_days=LANG_COOKIE_DAYS,
                           samesite="Lax")


def _handler_of(context) -> Any:
    handler = context.get("senlab_handler")
    if handler is None:
        # JupyterHub's template namespace carries no handler, but its `static_url` is the
        # handler's bound method: the one way to the request from any hub page.
        handler = getattr(context.get("static_url"), "__self__", None)
    return handler if hasattr(handler, "request") else None


def _context_language(context) -> str:
    forced = context.get("page_lang_code")
    if forced in OFFERED:
        return forced
    handler = _handler_of(context)
    return page_language(handler) if handler is not None else DEFAULT


@pass_context
def _page_gettext(context, message: str, **fields) -> str:
    return translator(_context_language(context))(message, **fields)


@pass_context
def _page_lang(context) -> str:
    return _context_language(context)


@pass_context
def _lang_url(context, lang: str) -> str:
    """This page's address with `lang` chosen (the switch on each page): its query only,
    so the link stays on the page the browser is on, whatever path the request named."""
    handler = _handler_of(context)
    query: list[tuple[str, str]] = []
    if handler is not None:
        query = [(k, v.decode("utf-8", "replace"))
                 for k, values in handler.request.query_arguments.items() if k != "lang"
                 for v in values]
    return "?" + urlencode([*query, ("lang", lang)])


def _pick(texts: Mapping[str, str] | None, lang: str) -> str:
    return translator(lang).pick(texts)


class PageLanguage(Extension):
    """Jinja globals for the hub's pages: `_()`, `page_lang()`, `lang_url(lang)`,
    `senlab_roles(user)`, `senlab_courses(user)`, `pick(texts)`."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals.update(
            _=_page_gettext, page_lang=_page_lang, lang_url=_lang_url,
            senlab_roles=roles_of, senlab_courses=enrolled_courses,
            senlab_needs_server=needs_server,
            dashboard_path=DASHBOARD_PATH, my_progress_path=MY_PROGRESS_PATH,
            pick=pass_context(lambda context, texts: _pick(texts, _context_language(context))),
        )


# --- Sign-up details ----------------------------------------------------------------------

class SignupDetails(Base):
    """What a person gave at sign-up for the approver, beside NativeAuthenticator's row."""

    __tablename__ = "senlab_signup_details"
    username = Column(String(128), primary_key=True)
    full_name = Column(Unicode(200), nullable=False)
    enterprise = Column(Unicode(200), nullable=False)
    park = Column(Unicode(200), nullable=False)
    phone = Column(Unicode(32), nullable=False, default="")
    email = Column(Unicode(254), nullable=False, default="")
    signed_up = Column(DateTime, nullable=False)


SIGNUP_FIELDS = {
    "username": N_("User name"),
    "signup_password": N_("Password"),
    "signup_password_confirmation": N_("Password again"),
    "full_name": N_("Full name"),
    "enterprise": N_("Enterprise"),
    "park": N_("Industrial park or cluster"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
}
"""The sign-up form's fields and their labels, in the form's order."""
TEXT_LIMITS = {"full_name": 200, "enterprise": 200, "park": 200, "phone": 32, "email": 254}
# A name of one letter tells an approver nothing; Vietnamese full names have two or more
# syllables, but a foreign trainee's may have one, so two characters is the floor.
MIN_NAME_CHARS = 2
# E-mail: a practical check (one @, a dot in the domain, no spaces), not RFC 5322's full
# grammar; 254 characters is the longest address that fits a SMTP path (RFC 5321, 4.5.3.1).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# Phone: Vietnamese numbers written as dialled at home: mobile numbers have had 10 digits
# (0 and a 2-digit network code, 7 digits) since the 2018 conversion of the 11-digit ones,
# and landline area codes are 02xx since 2017, an 11-digit number (Ministry of Information
# and Communications, as reported by Việt Nam News and english.mic.gov.vn, 2018; the
# decision's own number was not confirmed here). +84 / 84 stands for the leading 0.
PHONE = re.compile(r"0(?:[35789]\d{8}|2\d{9})")
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


@dataclass(frozen=True)
class FieldError:
    """One field's problem: the field, and the message with its `{fields}` (untranslated)."""

    field: str
    message: str
    values: tuple[tuple[str, str], ...] = ()

    def text(self, lang: str) -> str:
        _ = translator(lang)
        return _(self.message, field=_(SIGNUP_FIELDS[self.field]), **dict(self.values))


def normal_phone(raw: str) -> str:
    """A phone number without separators, +84 written as 0: `+84 912.345.678` → 0912345678."""
    digits = PHONE_SEPARATORS.sub("", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits


def check_details(form: Mapping[str, str]) -> tuple[dict[str, str], list[FieldError]]:
    """The approver's fields of a sign-up form, cleaned, and each field's problem."""
    clean = {name: " ".join(str(form.get(name, "")).split()) for name in TEXT_LIMITS}
    errors: list[FieldError] = []
    for name in ("full_name", "enterprise", "park"):
        if not clean[name]:
            errors.append(FieldError(name, N_("{field}: required")))
    if clean["full_name"] and len(clean["full_name"]) < MIN_NAME_CHARS:
        errors.append(FieldError("full_name", N_("{field}: write at least {n} characters"),
                                 (("n", str(MIN_NAME_CHARS)),)))
    for name, limit in TEXT_LIMITS.items():
        if len(clean[name]) > limit:
            errors.append(FieldError(name, N_("{field}: at most {n} characters"),
                                     (("n", str(limit)),)))
    if not clean["phone"] and not clean["email"]:
        errors.append(FieldError("phone", N_(
            "{field}: give a phone number or an e-mail address (at least one), so that the "
            "approver can reach you")))
    if clean["phone"]:
        phone = normal_phone(clean["phone"])
        if PHONE.fullmatch(phone):
            clean["phone"] = phone
        else:
            errors.append(FieldError("phone", N_(
                "{field}: {value} is not a Vietnamese phone number: write 10 digits starting "
                "with 0 (a landline: 11 digits starting with 02), or +84 for the 0"),
                (("value", clean["phone"]),)))
    if clean["email"] and not EMAIL.fullmatch(clean["email"]):
        errors.append(FieldError("email", N_(
            "{field}: {value} is not an e-mail address (like name@example.com)"),
            (("value", clean["email"]),)))
    return clean, errors


def check_account(authenticator, form: Mapping[str, str]) -> list[FieldError]:
    """The user name and password of a sign-up form, as NativeAuthenticator will judge
    them, each problem named by its field (NativeAuthenticator itself says only that
    "something went wrong")."""
    errors: list[FieldError] = []
    raw = str(form.get("username", "")).strip()
    password = str(form.get("signup_password", ""))
    if not raw:
        errors.append(FieldError("username", N_("{field}: required")))
    else:
        name = authenticator.normalize_username(raw)
        if not authenticator.validate_username(name):
            errors.append(FieldError("username", N_(
                "{field}: {value} cannot be used: no spaces, commas or slashes"),
                (("value", raw),)))
        elif authenticator.user_exists(name):
            errors.append(FieldError("username", N_(
                "{field}: {value} is already in use: choose another"), (("value", raw),)))
    minimum = authenticator.minimum_password_length
    if len(password) < minimum:
        errors.append(FieldError("signup_password", N_(
            "{field}: at least {n} characters"), (("n", str(minimum)),)))
    elif not authenticator.is_password_strong(password):
        errors.append(FieldError("signup_password", N_(
            "{field}: too common, choose a password others would not guess")))
    if password != str(form.get("signup_password_confirmation", "")):
        errors.append(FieldError("signup_password_confirmation", N_(
            "{field}: does not match the password")))
    return errors


def details_of(db, usernames: list[str] | None = None) -> dict[str, SignupDetails]:
    query = db.query(SignupDetails)
    if usernames is not None:
        query = query.filter(SignupDetails.username.in_(usernames))
    return {row.username: row for row in query}


# --- Handlers -----------------------------------------------------------------------------

class _NullTimer:
    def start(self) -> _NullTimer:
        return self

    def stop(self, send: bool = True) -> None:
        pass


class _NullStats:
    def timer(self, _name: str) -> _NullTimer:
        return _NullTimer()


class JupyterHub6Pages:
    """What NativeAuthenticator 1.3's pages still expect from JupyterHub 6's handlers.

    JupyterHub 6 dropped `statsd` from handlers and no longer puts `xsrf` in the template
    namespace, which NativeAuthenticator's forms post back; without it every form fails
    its XSRF check.
    """

    statsd = _NullStats()

    @property
    def template_namespace(self):
        namespace = super().template_namespace
        namespace["xsrf"] = self.xsrf_token.decode("ascii")
        return namespace


LOGIN_ERRORS = (
    (re.compile(r"Invalid username or password"), N_("Invalid username or password")),
    (re.compile(r"User (?P<name>.+) has not been authorized by an administrator yet\."),
     N_("The account {name} is waiting for an administrator's approval: you can log in once "
        "it is approved. If it takes more than two working days, ask your enterprise's "
        "manager.")),
)
"""NativeAuthenticator's login errors (nativeauthenticator 1.3, handlers.LoginHandler.post),
said in the page's language."""


def login_error_text(error: str, lang: str) -> str:
    """A login error in `lang`; one SenLab does not know is shown as it came."""
    for pattern, message in LOGIN_ERRORS:
        match = pattern.search(error)
        if match:
            return translator(lang)(message, **match.groupdict())
    return error


class LoginHandler(JupyterHub6Pages, native.LoginHandler):
    """SenLab's login form (hub_config/templates/senlab-login.html), in the page's language.

    It also renders synchronously, as JupyterHub 6's error path asks.
    """

    def _render(self, login_error=None, username=None, sync=False, **_ignored):
        if login_error:
            login_error = login_error_text(str(login_error), page_language(self))
        return self.render_template(
            "senlab-login.html",
            sync=sync,
            next=url_escape(self.get_argument("next", default="")),
            username=username,
            login_error=login_error,
            custom_html=self.authenticator.custom_html,
            login_url=self.settings["login_url"],
            enable_signup=self.authenticator.enable_signup,
            two_factor_auth=self.authenticator.allow_2fa,
            authenticator_login_url=url_concat(
                self.authenticator.login_url(self.hub.base_url),
                {"next": self.get_argument("next", "")},
            ),
        )


class SignUpHandler(JupyterHub6Pages, native.SignUpHandler):
    """The sign-up form: an account, and what the approver needs to judge it."""

    def _page(self, **values):
        lang = page_language(self)
        errors: list[FieldError] = values.pop("errors", [])
        return self.render_template(
            "senlab-signup.html",
            form=values.pop("form", {}),
            errors=[error.text(lang) for error in errors],
            field_errors={error.field: error.text(lang) for error in reversed(errors)},
            fields=SIGNUP_FIELDS,
            minimum_password_length=self.authenticator.minimum_password_length,
            parks=self.authenticator.signup_parks,
            **values,
        )

    async def get(self):
        if not self.authenticator.enable_signup:
            raise web.HTTPError(404)
        self.finish(await self._page())

    async def post(self):
        if not self.authenticator.enable_signup:
            raise web.HTTPError(404)
        form = {name: self.get_body_argument(name, "", strip=False) for name in SIGNUP_FIELDS}
        details, errors = check_details(form)
        errors = check_account(self.authenticator, form) + errors
        shown = {k: v for k, v in form.items() if "password" not in k}
        if errors:
            self.set_status(400)
            self.finish(await self._page(form=shown, errors=errors))
            return
        user = self.authenticator.create_user(
            form["username"], form["signup_password"], email=details["email"])
        if user is None:  # a rule of NativeAuthenticator's that the checks above missed
            self.set_status(400)
            self.finish(await self._page(form=shown, errors=[FieldError("username", N_(
                "{field}: the account could not be created; check the user name and the "
                "password"))]))
            return
        self.authenticator.store_details(user.username, details)
        self.finish(await self._page(signed_up=user.username, approved=user.is_authorized))


class AuthorizationAreaHandler(JupyterHub6Pages, native.AuthorizationAreaHandler):
    """The approval page: pending sign-ups first, each with what the person gave."""

    @native.admin_users_scope
    async def get(self):
        users = self.db.query(UserInfo).all()
        users.sort(key=lambda info: (bool(info.is_authorized), info.username))
        html = await self.render_template(
            "senlab-authorization-area.html", users=users, details=details_of(self.db))
        self.finish(html)


class DiscardHandler(JupyterHub6Pages, native.DiscardHandler):
    """Discarding a pending sign-up removes its details too."""

    async def get(self, user_name):
        await super().get(user_name)  # checks the admin's scope, discards only if pending
        if self.authenticator.get_user(user_name) is None:
            self.db.query(SignupDetails).filter_by(username=user_name).delete()
            self.db.commit()


REPLACED = {native.LoginHandler: LoginHandler, native.SignUpHandler: SignUpHandler,
            native.AuthorizationAreaHandler: AuthorizationAreaHandler,
            native.DiscardHandler: DiscardHandler}


class SenLabAuthenticator(NativeAuthenticator):
    """NativeAuthenticator that also creates and approves the accounts it is given, and
    keeps what an approver needs to know about each sign-up."""

    seed_accounts = Dict(
        key_trait=UnicodeTrait(),
        value_trait=UnicodeTrait(),
        help="""Accounts to create at start, approved, as username -> password.

        An existing account keeps its other data; its password is reset to the given one
        if it differs, so restarting with a new demo password takes effect.
        """,
    ).tag(config=True)

    signup_parks = Dict(
        key_trait=UnicodeTrait(),
        value_trait=UnicodeTrait(),
        help="Parks and clusters offered on the sign-up form, as id -> name (any text "
             "may still be typed: a park the list lacks is not refused).",
    ).tag(config=True)

    def get_handlers(self, app):
        handlers = []
        for pattern, handler in super().get_handlers(app):
            handler = REPLACED.get(handler) or type(
                handler.__name__, (JupyterHub6Pages, handler), {})
            handlers.append((pattern, handler))
        return handlers

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        SignupDetails.__table__.create(bind=self.db.get_bind(), checkfirst=True)
        self.seed()

    def seed(self) -> None:
        """Create or update the seeded accounts (idempotent)."""
        for raw_name, password in self.seed_accounts.items():
            name = self.normalize_username(raw_name)
            info = self.get_user(name)
            if info is None:
                hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
                self.db.add(UserInfo(username=name, password=hashed, is_authorized=True))
                continue
            if not info.is_valid_password(password):
                info.password = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
            info.is_authorized = True
        self.db.commit()

    def store_details(self, username: str, details: Mapping[str, str]) -> SignupDetails:
        """Keep a sign-up's details (cleaned by `check_details`) for the approver."""
        row = self.db.get(SignupDetails, username) or SignupDetails(username=username)
        for name in TEXT_LIMITS:
            setattr(row, name, details.get(name, ""))
        row.signed_up = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self.db.add(row)
        self.db.commit()
        return row


# Every message the hub's templates (hub_config/templates) pass to `_()`: listed here so
# that the catalogue check extracts them; tests/hub/test_landing.py checks this list against
# the templates, both ways.
PAGE_MESSAGES = (
    N_("Error {code}"),
    N_("access denied"),
    N_("page not found"),
    N_("the request was not understood"),
    N_("the server could not answer"),
    N_("Your account may not open this page. If you think it should, ask the operator "
       "to check your role."),
    N_("The address may be mistyped, or the page has moved."),
    N_("Go back, reload the page and try again."),
    N_("Wait a minute and reload the page. If it happens again, tell the operator the "
       "time and this error number."),
    N_("Go back and try again. If it happens again, tell the operator the time and this "
       "error number."),
    N_("Details"),
    N_("Go to the home page"),
    N_("Welcome, {name}"),
    N_("Your work is on the dashboard: the trainees' progress, the labs and the "
       "reports. No JupyterLab server is started for you."),
    N_("Open the dashboard"),
    N_("Your courses"),
    N_("Open JupyterLab, then the Assignments tab, to fetch a course's assignments and "
       "submit them."),
    N_("You are not enrolled in a course yet."),
    N_("Ask your enterprise's manager or your instructor to enrol you (they send your "
       "user name, {name}, to the operator). Your courses then appear here and in "
       "JupyterLab."),
    N_("Stop my server"),
    N_("Open JupyterLab"),
    N_("Start JupyterLab"),
    N_("My progress"),
    N_("Your server could not start"),
    N_("Your server is not running"),
    N_("The last attempt to start your JupyterLab server failed."),
    N_("Try again; if it fails again, tell your instructor the time and this message."),
    N_("It is being started again; if nothing happens within a few seconds, press the button."),
    N_("Start it to continue your work: your files are kept."),
    N_("Try again"),
    N_("Home"),
    N_("Dashboard"),
    N_("Admin"),
    N_("Approve sign-ups"),
    N_("Token"),
    N_("Log out"),
    N_("Log in"),
    N_("Approve an account once you know the person works at the enterprise they name; "
       "discard a sign-up you cannot confirm. After approval, put the person in their "
       "role and courses (senlab roster import)."),
    N_("User name"),
    N_("Full name"),
    N_("Enterprise"),
    N_("Industrial park or cluster"),
    N_("Phone"),
    N_("E-mail"),
    N_("Signed up"),
    N_("Account status"),
    N_("Actions"),
    N_("No sign-up details (an account made by the operator or a roster)."),
    N_("Approved"),
    N_("Waiting for approval"),
    N_("Withdraw approval"),
    N_("Approve"),
    N_("Discard"),
    N_("Change password"),
    N_("Language"),
    N_("Log in to SenLab"),
    N_("5G and IoT operations training for the industrial parks and clusters of the province."),
    N_("Warning: this connection is not encrypted (HTTP). Ask the operator to turn on HTTPS."),
    N_("Password"),
    N_("Show"),
    N_("Hide"),
    N_("Show password"),
    N_("Two-factor code"),
    N_("No account yet?"),
    N_("Sign up for an account"),
    N_("An administrator checks your details and approves the account."),
    N_("The account {name} is ready: you can log in now."),
    N_("Thank you. The account {name} is waiting for approval: an administrator checks "
       "your details, then you can log in. If it takes more than two working days, ask "
       "your enterprise's manager."),
    N_("Go to the login page"),
    N_("An administrator approves each account. Tell them who you are and where you "
       "work: the fields marked * are required, and a phone number or an e-mail address "
       "(at least one)."),
    N_("The form could not be sent: correct these fields."),
    N_("Account"),
    N_("Letters and digits, no spaces; you log in with it."),
    N_("At least {n} characters, not a common password."),
    N_("Who you are"),
    N_("The company you work for, as on its business registration."),
    N_("The industrial park (KCN) or industrial cluster (CCN) where the enterprise is."),
    N_("A phone number or an e-mail address: at least one."),
    N_("Send for approval"),
    N_("Already have an account?"),
    N_("Start your JupyterLab server"),
    N_("Your JupyterLab server is starting."),
    N_("This page moves on by itself when it is ready, usually within a minute. If it "
       "takes more than three minutes, reload the page; if it still does not start, "
       "tell your instructor."),
    N_("Event log"),
)
