"""The hub's whole configuration, built from the settings.

`hub_config/jupyterhub_config.py` calls `configure(c, settings)`. Mosquitto, the progress
service and the device fleet are hub-managed services: the hub starts them, gives them
their tokens and restarts them when they exit, within about a second
(`senlab.hub.services`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pydantic import SecretStr

from senlab.courses import CourseError, list_courses
from senlab.hub.cohort import demo_cohort
from senlab.hub.courses import course_groups, write_common_configs
from senlab.hub.roles import hub_groups, hub_roles
from senlab.hub.services import poll_services_every
from senlab.settings import Settings

ADMIN_SERVICE = "senlab-admin"
ADMIN_USER = "admin"


def venv_bin() -> Path:
    """The folder of this interpreter's scripts (nbgrader needs `alembic` on PATH)."""
    return Path(sys.executable).parent


def search_path() -> str:
    """PATH for services and servers: this venv first, then the system's programs."""
    return os.pathsep.join([str(venv_bin()), "/usr/local/bin", "/usr/bin", "/bin",
                            "/usr/local/sbin", "/usr/sbin", "/sbin"])


def service_environment(settings: Settings) -> dict[str, str]:
    """What a SenLab service needs to rebuild the same settings: the SENLAB_ variables."""
    env = {"PATH": search_path(), "PYTHONUNBUFFERED": "1"}
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, SecretStr) or Settings.model_fields[name].validation_alias:
            continue  # secrets stay with the hub; the hub gives each service its own
        env[f"SENLAB_{name.upper()}"] = str(value)
    return env


def proxy_command(repo_root: Path) -> list[str]:
    """configurable-http-proxy, with hub_config/proxy_guard.mjs loaded first: a path whose
    percent-escapes are not UTF-8 gets a 400 that names it, not the proxy's own 500."""
    guard = repo_root / "hub_config" / "proxy_guard.mjs"
    chp = repo_root / "node_modules" / ".bin" / "configurable-http-proxy"
    return ["node", "--import", guard.as_uri(), str(chp)]


def managed_services(settings: Settings) -> list[dict]:
    """The hub-managed services: the broker, the progress service and the device fleet."""
    env = service_environment(settings)
    python = sys.executable
    services: list[dict] = [
        {"name": "broker", "command": [python, "-m", "senlab.broker"], "environment": env},
        {
            "name": "progress",
            "url": f"http://127.0.0.1:{settings.progress_port}",
            "command": [python, "-m", "senlab.progress"],
            "environment": env,
            "oauth_no_confirm": True,
            "display": True,
        },
    ]
    services.append({
        "name": "grader",
        "command": [python, "-m", "senlab.grading"],
        "environment": env,
        "api_token": settings.secret("grader-api-token"),
    })
    if settings.local_fleet:
        services.append(
            {"name": "fleet", "command": [python, "-m", "senlab.fleet"], "environment": env}
        )
    token = settings.admin_token_value()
    if token:
        services.append({"name": ADMIN_SERVICE, "api_token": token})
    return services


def seed_accounts(settings: Settings) -> dict[str, str]:
    """The operator's admin account and, with the demo, the demo cohort's accounts."""
    accounts = {ADMIN_USER: settings.secret("admin-password", nbytes=9)}
    if settings.demo:
        password = settings.demo_password_value()
        accounts.update({name: password for name in demo_cohort().usernames()})
    return accounts


def configure_auth(c, settings: Settings) -> None:
    configure_pages(c, settings)  # the login page's templates need the pages' language
    accounts = seed_accounts(settings)
    c.Authenticator.admin_users = {ADMIN_USER}
    if settings.authenticator == "dummy":
        c.JupyterHub.authenticator_class = "dummy"
        c.DummyAuthenticator.password = settings.demo_password_value()
        c.Authenticator.allowed_users = set(accounts)
        return
    c.JupyterHub.authenticator_class = "senlab.hub.auth.SenLabAuthenticator"
    # NativeAuthenticator lets in only approved accounts; approval is its allow-list.
    c.Authenticator.allow_all = True
    c.SenLabAuthenticator.seed_accounts = accounts
    c.SenLabAuthenticator.signup_parks = {park.id: park.name for park in demo_cohort().parks}
    c.SenLabAuthenticator.minimum_password_length = 10
    c.SenLabAuthenticator.check_common_password = True
    c.SenLabAuthenticator.allowed_failed_logins = 5
    c.SenLabAuthenticator.seconds_before_next_try = 60


def configure_spawner(c, settings: Settings) -> None:
    # Imported here for start-up, not to dodge a cycle (the spawner never imports this
    # module): it loads JupyterHub itself, about 1.5 s that `senlab up` and the CLI, which
    # import this module for its names, would pay for a hub that runs in another process.
    from senlab.hub.spawner import make_pre_spawn_hook

    c.JupyterHub.spawner_class = "senlab.hub.spawner.SenLabSpawner"
    c.SenLabSpawner.users_root = str(settings.home / "users")
    c.Spawner.cmd = [str(venv_bin() / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = settings.spawner_timeout
    c.Spawner.http_timeout = settings.spawner_timeout
    c.Spawner.environment = {
        "PATH": search_path(),
        "SENLAB_PROGRESS_URL": f"{settings.hub_url}/services/progress/",
    }
    if settings.stack_id:
        c.Spawner.environment["SENLAB_STACK_ID"] = settings.stack_id
    c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!user",
                                     "access:services!service=progress", "read:users!user"]
    c.Spawner.pre_spawn_hook = make_pre_spawn_hook(settings)
    write_common_configs(settings)


def configure_pages(c, settings: Settings) -> None:
    """The hub's own pages in the user's language (a Jinja extension for SenLab's
    templates), the course titles they show, and where each role lands after login
    (`senlab.hub.auth`)."""
    # Imported here for start-up, as the spawner is (see configure_spawner): the
    # authenticator's module loads JupyterHub and nativeauthenticator.
    from senlab.hub.auth import landing_url

    c.JupyterHub.jinja_environment_options = {"extensions": ["senlab.hub.auth.PageLanguage"]}
    c.JupyterHub.default_url = landing_url
    try:
        courses = list_courses(settings.repo_root / "courses")
    except (CourseError, OSError):
        courses = []  # the home page then shows course ids; `senlab course check` says why
    c.JupyterHub.template_vars = {"senlab_course_titles": {
        course.id: course.title.model_dump() for course in courses}}


def configure(c, settings: Settings) -> None:
    """Fill the JupyterHub config object `c` from the settings."""
    settings.check_production()
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    c.JupyterHub.ip = settings.hub_ip
    c.JupyterHub.port = settings.hub_port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = settings.hub_api_port
    c.JupyterHub.db_url = f"sqlite:///{home / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret = bytes.fromhex(settings.secret("hub-cookie-secret"))
    c.JupyterHub.pid_file = str(home / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
    c.ConfigurableHTTPProxy.auth_token = settings.secret("proxy-token")
    c.ConfigurableHTTPProxy.command = proxy_command(settings.repo_root)
    c.ConfigurableHTTPProxy.pid_file = str(home / "proxy.pid")
    services = managed_services(settings)
    c.JupyterHub.services = services
    poll_services_every(settings.service_poll_seconds)
    c.JupyterHub.template_paths = [str(settings.repo_root / "hub_config" / "templates")]
    c.JupyterHub.logo_file = str(settings.repo_root / "hub_config" / "static" / "senlab-logo.svg")
    token = settings.admin_token_value()
    c.JupyterHub.load_roles = hub_roles(
        services=[service["name"] for service in services],
        admin_service=ADMIN_SERVICE if token else None,
    )
    if settings.demo:
        cohort = demo_cohort()
        c.JupyterHub.load_groups = {**hub_groups(cohort), **course_groups(cohort)}
    configure_auth(c, settings)
    configure_spawner(c, settings)
