"""Where each role lands after login, the hub's pages in vi and en, and JupyterLab's
language per user.

The pages are rendered with the same Jinja set-up JupyterHub 6.1 builds
(`JupyterHub.init_tornado_settings`: JupyterHub's own templates reachable as
`templates/…`, then SenLab's folder before JupyterHub's) and SenLab's extension.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader
from jupyterhub._data import DATA_FILES_PATH
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from senlab.hub import auth
from senlab.hub.auth import (
    DASHBOARD_PATH,
    LANG_COOKIE,
    PageLanguage,
    landing_url,
    needs_server,
    page_language,
)
from senlab.hub.spawner import TRANSLATION_PLUGIN, spawn_language, write_lab_language
from senlab.settings import Settings

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "hub_config" / "templates"
JUPYTERHUB_TEMPLATES = Path(DATA_FILES_PATH) / "templates"


class FakeHandler:
    """What the pages and `landing_url` read of a JupyterHub handler."""

    def __init__(self, uri="/hub/home", *, accept_language=None, cookie=None, user=None):
        headers = HTTPHeaders({"Host": "senlab.example"})
        if accept_language:
            headers["Accept-Language"] = accept_language
        self.request = HTTPServerRequest(
            start_line=RequestStartLine("GET", uri, "HTTP/1.1"), headers=headers)
        self.cookies_in = {LANG_COOKIE: cookie} if cookie else {}
        self.cookies_out: dict[str, tuple[str, dict]] = {}
        self.current_user = user
        self.base_url = "/"
        self.hub = SimpleNamespace(base_url="/hub/")
        self._headers_written = False

    def get_query_argument(self, name, default=None):
        values = self.request.query_arguments.get(name)
        return values[-1].decode() if values else default

    def get_cookie(self, name, default=None):
        return self.cookies_in.get(name, default)

    def set_cookie(self, name, value, **options):
        self.cookies_out[name] = (value, options)

    def static_url(self, path, **_options):
        return f"/hub/static/{path}"


def group(name):
    return SimpleNamespace(name=name)


def user(name, *groups, admin=False):
    return SimpleNamespace(name=name, groups=[group(g) for g in groups], admin=admin,
                           json_escaped_name=name, spawner=SimpleNamespace(options_form=None))


TRAINEE = user("trainee1", "trainees", "nbgrader-iot101")
NEW_TRAINEE = user("lan", "trainees")
APPROVED_NO_ROLE = user("minh")
INSTRUCTOR = user("instructor1", "instructors", "formgrade-iot101")
MANAGER = user("manager1", "managers")
DOST = user("dost1", "dost")
ADMIN = user("admin", admin=True)


def environment() -> Environment:
    loader = ChoiceLoader([
        PrefixLoader({"templates": FileSystemLoader([str(JUPYTERHUB_TEMPLATES)])}, "/"),
        FileSystemLoader([str(TEMPLATES), str(JUPYTERHUB_TEMPLATES)]),
    ])
    return Environment(loader=loader, autoescape=True, extensions=[PageLanguage])


def render(name: str, handler: FakeHandler, **values) -> str:
    namespace = dict(
        base_url="/hub/", prefix="/", user=handler.current_user, login_url="/hub/login",
        logout_url="/hub/logout", static_url=handler.static_url, version_hash="",
        services=[], parsed_scopes=set(), expanded_scopes=set(), xsrf="x", xsrf_token="x",
        senlab_course_titles={"iot101": {"vi": "IoT cơ bản", "en": "IoT basics"}},
    )
    namespace.update(values)
    return environment().get_template(name).render(**namespace)


# --- Landing -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", [MANAGER, DOST, ADMIN], ids=["manager", "dost", "admin"])
def test_dost_managers_and_admins_land_on_the_dashboard_and_need_no_server(who):
    assert landing_url(FakeHandler(user=who)) == "/" + DASHBOARD_PATH
    assert not needs_server(who)


@pytest.mark.parametrize("who", [TRAINEE, INSTRUCTOR], ids=["trainee", "instructor"])
def test_trainees_with_courses_and_instructors_keep_jupyterhubs_own_landing(who):
    # "" leaves JupyterHub's choice: the user's server (spawned if needed), i.e. JupyterLab.
    assert landing_url(FakeHandler(user=who)) == ""
    assert needs_server(who)


@pytest.mark.parametrize("who", [NEW_TRAINEE, APPROVED_NO_ROLE], ids=["trainee", "no role"])
def test_a_trainee_without_a_course_lands_on_the_home_with_the_next_step(who):
    assert landing_url(FakeHandler(user=who)) == "/hub/home"


def test_an_instructor_who_is_also_an_admin_keeps_jupyterlab():
    both = user("teacher", "instructors", admin=True)
    assert landing_url(FakeHandler(user=both)) == ""


def test_nobody_logged_in_leaves_the_login_to_jupyterhub():
    assert landing_url(FakeHandler(user=None)) == ""


def test_the_hub_config_sets_the_landing_the_templates_and_the_extension(tmp_path):
    from traitlets.config import Config

    from senlab.hub.config import configure

    c = Config()
    configure(c, Settings(home=tmp_path / "home"))
    assert c.JupyterHub.default_url is landing_url
    assert c.JupyterHub.jinja_environment_options == {
        "extensions": ["senlab.hub.auth.PageLanguage"]}
    assert c.JupyterHub.template_paths == [str(TEMPLATES)]
    titles = c.JupyterHub.template_vars["senlab_course_titles"]
    assert set(titles) >= {"iot101", "env201"} and set(titles["iot101"]) == {"vi", "en"}
    assert "kcn-sa-dec" in c.SenLabAuthenticator.signup_parks


# --- Language of a page ------------------------------------------------------------------

def test_the_language_is_the_choice_then_the_cookie_then_accept_language_then_vi():
    assert page_language(FakeHandler()) == "vi"
    assert page_language(FakeHandler(accept_language="en-US,en;q=0.9")) == "en"
    assert page_language(FakeHandler(accept_language="en", cookie="vi")) == "vi"
    chosen = FakeHandler("/hub/login?lang=en", accept_language="vi", cookie="vi")
    assert page_language(chosen) == "en"
    value, options = chosen.cookies_out[LANG_COOKIE]
    assert value == "en" and options["path"] == "/"  # remembered for every SenLab page


def test_a_language_not_offered_is_ignored_not_an_error():
    handler = FakeHandler("/hub/login?lang=fr", accept_language="fr, en;q=0.5")
    assert page_language(handler) == "en"
    assert handler.cookies_out == {}


@pytest.mark.parametrize("lang,expected", [
    ("vi", ["Đăng nhập SenLab", "Tên đăng nhập", "Mật khẩu", "Đăng ký tài khoản"]),
    ("en", ["Log in to SenLab", "User name", "Password", "Sign up for an account"]),
])
def test_the_login_page_renders_in_each_language_with_a_switch(lang, expected):
    html = render("senlab-login.html", FakeHandler(f"/hub/login?lang={lang}"),
                  next="", enable_signup=True, username="", login_error=None)
    for text in expected:
        assert text in html
    assert f'document.documentElement.lang = "{lang}"' in html
    assert 'href="?lang=en"' in html and 'href="?lang=vi"' in html
    assert 'alt="SenLab"' in html


def test_the_switch_keeps_the_pages_other_query_arguments():
    html = render("senlab-login.html", FakeHandler("/hub/login?next=%2Fhub%2Fhome&lang=vi"),
                  next="", enable_signup=False)
    assert 'href="?next=%2Fhub%2Fhome&amp;lang=en"' in html


def test_the_switch_never_leads_off_the_page_whatever_the_path():
    # A request for //elsewhere.example/x (a protocol-relative path) must not make the
    # switch a link to another site: the link is the query alone.
    html = render("error.html", FakeHandler("//elsewhere.example/x"), status_code=404,
                  status_message="Not Found", message="", message_html="", extra_error_html="")
    assert "elsewhere.example" not in html and 'href="?lang=en"' in html


def test_an_approved_trainee_without_a_course_is_told_the_next_step_in_vietnamese():
    html = render("home.html", FakeHandler(cookie="vi", user=NEW_TRAINEE),
                  default_server=SimpleNamespace(active=False), url="/hub/spawn")
    assert "Bạn chưa được ghi danh vào khóa học nào." in html
    assert "quản lý doanh nghiệp" in html and "lan" in html
    assert 'href="/services/progress/me"' in html and "Tiến độ của tôi" in html
    assert 'id="start"' in html  # JupyterHub's home.js still finds its button


def test_a_trainee_sees_their_courses_by_title_in_their_language():
    for lang, title in (("vi", "IoT cơ bản"), ("en", "IoT basics")):
        html = render("home.html", FakeHandler(cookie=lang, user=TRAINEE),
                      default_server=SimpleNamespace(active=True), url="/user/trainee1/")
        assert title in html and "(iot101)" in html
        assert 'id="next-step"' not in html


@pytest.mark.parametrize("who,link", [
    (TRAINEE, 'id="my-progress" href="/services/progress/me"'),
    (INSTRUCTOR, 'id="my-progress" href="/services/progress/me"'),
    (MANAGER, 'id="nav-dashboard" href="/services/progress/dashboard"'),
    (ADMIN, 'id="nav-dashboard" href="/services/progress/dashboard"'),
], ids=["trainee", "instructor", "manager", "admin"])
def test_the_navigation_links_each_role_to_its_page_of_the_progress_service(who, link):
    html = render("home.html", FakeHandler(cookie="en", user=who),
                  default_server=SimpleNamespace(active=False), url="/hub/spawn")
    assert link in html
    other = "nav-dashboard" if "my-progress" in link else 'id="my-progress"'
    assert other not in html


def test_a_dost_officer_is_sent_to_the_dashboard_with_no_server_button():
    html = render("home.html", FakeHandler(cookie="en", user=DOST),
                  default_server=SimpleNamespace(active=False), url="/hub/spawn")
    assert 'href="/services/progress/dashboard"' in html
    assert 'id="start"' not in html
    assert "My progress" not in html  # a DOST officer has no progress of their own


@pytest.mark.parametrize("lang,code,expected", [
    ("vi", 404, ["Lỗi 404", "không tìm thấy trang", "Về trang chủ"]),
    ("en", 404, ["Error 404", "page not found", "Go to the home page"]),
    ("vi", 403, ["Lỗi 403", "không có quyền truy cập", "người vận hành hệ thống"]),
    ("en", 500, ["Error 500", "the server could not answer", "Wait a minute"]),
])
def test_error_pages_say_what_went_wrong_and_what_to_do(lang, code, expected):
    name = "404.html" if code == 404 else "error.html"
    html = render(name, FakeHandler(cookie=lang), status_code=code,
                  status_message="Not Found", message="no such page", message_html="",
                  extra_error_html="")
    for text in expected:
        assert text in html
    assert "moons" not in html  # JupyterHub's own 404 text is replaced
    assert 'id="lang-switch"' in html


def test_the_spawn_pending_page_speaks_vietnamese():
    html = render("spawn_pending.html", FakeHandler(cookie="vi", user=TRAINEE),
                  progress_url="/hub/api/users/trainee1/server/progress")
    assert "Máy chủ JupyterLab của bạn đang khởi động." in html
    # JupyterHub's "Event log", outside any block, relabelled by a script (a JSON string)
    assert "= " + json.dumps("Nhật ký khởi động") + ";" in html


def test_every_message_of_the_templates_is_in_the_catalogue_list_and_back():
    pattern = re.compile(r"""_\(\s*(["'])((?:(?!\1).)*)\1""", re.S)
    used = {match.group(2) for path in TEMPLATES.glob("*.html")
            for match in pattern.finditer(path.read_text("utf-8"))}
    assert used == set(auth.PAGE_MESSAGES)


# --- JupyterLab's language ---------------------------------------------------------------

def test_the_spawner_gives_jupyterlab_the_users_language(tmp_path):
    path = write_lab_language(tmp_path / "lan", "vi")
    assert path == tmp_path / "lan" / ".jupyter" / "labconfig" / "default_setting_overrides.json"
    assert json.loads(path.read_text()) == {TRANSLATION_PLUGIN: {"locale": "vi_VN"}}
    other = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    path.write_text(json.dumps(other))
    write_lab_language(tmp_path / "lan", "en")  # a later spawn in English keeps the rest
    assert json.loads(path.read_text()) == {**other, TRANSLATION_PLUGIN: {"locale": "en"}}


def test_jupyterlab_reads_the_users_overrides(tmp_path, monkeypatch):
    from jupyterlab_server.settings_utils import _get_overrides

    write_lab_language(tmp_path, "vi")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / ".jupyter"))
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    overrides, error = _get_overrides(str(tmp_path / "no-app-settings"))
    assert error == "" and overrides[TRANSLATION_PLUGIN] == {"locale": "vi_VN"}


def test_the_spawn_language_is_the_spawning_pages_else_vietnamese():
    assert spawn_language(SimpleNamespace(handler=None)) == "vi"
    page = FakeHandler("/hub/spawn", accept_language="en-GB")
    assert spawn_language(SimpleNamespace(handler=page)) == "en"


def test_the_vietnamese_language_pack_is_installed():
    import jupyterlab_language_pack_vi_VN as pack

    assert (Path(pack.__file__).parent / "locale" / "vi_VN").is_dir()
