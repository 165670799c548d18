"""Authentication: NativeAuthenticator (accounts with admin approval), plus seeded accounts.

Operators onboard a real cohort with sign-up and approval (or `senlab roster import`).
`senlab up` also seeds the operator's `admin` account and, with `--demo`, the demo
cohort, so that a new hub can be used at once.
"""

from __future__ import annotations

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator import handlers as native
from nativeauthenticator.orm import UserInfo
from tornado.escape import url_escape
from tornado.httputil import url_concat
from traitlets import Dict, Unicode


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


class LoginHandler(JupyterHub6Pages, native.LoginHandler):
    """SenLab's bilingual login form (hub_config/templates/senlab-login.html).

    It also renders synchronously, as JupyterHub 6's error path asks.
    """

    def _render(self, login_error=None, username=None, sync=False, **_ignored):
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


class SenLabAuthenticator(NativeAuthenticator):
    """NativeAuthenticator that also creates and approves the accounts it is given."""

    seed_accounts = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="""Accounts to create at start, approved, as username -> password.

        An existing account keeps its other data; its password is reset to the given one
        if it differs, so restarting with a new demo password takes effect.
        """,
    ).tag(config=True)

    def get_handlers(self, app):
        handlers = []
        for pattern, handler in super().get_handlers(app):
            if handler is native.LoginHandler:
                handler = LoginHandler
            else:
                handler = type(handler.__name__, (JupyterHub6Pages, handler), {})
            handlers.append((pattern, handler))
        return handlers

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
