"""The local spawner: each hub user's server runs as a system account of its own.

Run as root (the normal case for `senlab up` on a class machine), the hub creates a system
account of the same name for each user (nbgrader records submitters by their account
name), with a private home under `SENLAB_HOME/users/<name>`, and starts their server as
that account. Which accounts are SenLab's, and what it may do to them, is
`senlab.hub.accounts`' rule: a name that is already an account SenLab did not make (root,
postgres, …) is refused, and that account is left as it is. One trainee then cannot read
another's files or the environment of their server, which holds their broker password. Run
as an ordinary user, there is no second account to switch to: every server runs as that
user, which is fine for one person trying SenLab on a laptop, and the hub's log says so.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Unicode

from senlab.broker.client import trainee_environment
from senlab.courses import course_root
from senlab.hub.accounts import SystemAccounts, isolated
from senlab.hub.auth import JUPYTERLAB_LOCALES, page_language
from senlab.hub.courses import (
    config_path_for,
    course_group_name,
    ensure_course_group,
    instructor_config,
    taught_courses,
)
from senlab.i18n import DEFAULT
from senlab.settings import Settings

# JupyterLab's language setting: the `locale` of this plugin (its schema:
# share/jupyter/lab/schemas/@jupyterlab/translation-extension/plugin.json).
TRANSLATION_PLUGIN = "@jupyterlab/translation-extension:plugin"


class SenLabSpawner(LocalProcessSpawner):
    """LocalProcessSpawner with per-user system accounts created on demand."""

    users_root = Unicode(
        help="Folder holding one home folder per hub user (SENLAB_HOME/users)."
    ).tag(config=True)

    # Set by the pre-spawn hook: the nbgrader folders of the courses this user teaches.
    taught_course_roots: dict[str, Path] = {}
    # The language of the page that started the server (`spawn_language`), set by start().
    page_lang: str = DEFAULT

    @property
    def isolated(self) -> bool:
        return isolated()

    @property
    def system_user(self) -> str:
        """This hub user's Linux account: the same name (nbgrader records submitters by it)."""
        return self.user.name

    @property
    def home_dir(self) -> str:
        return os.path.join(self.users_root, self.user.name)

    def _ensure_account(self):
        """The user's home, and as root their system account (returned; None otherwise)."""
        os.makedirs(self.users_root, mode=0o711, exist_ok=True)
        if not self.isolated:
            os.makedirs(self.home_dir, mode=0o700, exist_ok=True)
            return None
        # Asked before the home is made: a refused name leaves nothing behind.
        account = SystemAccounts(Path(self.users_root).parent).ensure(self.system_user)
        os.makedirs(self.home_dir, mode=0o700, exist_ok=True)
        os.chown(self.home_dir, account.uid, account.gid)
        os.chmod(self.home_dir, 0o700)
        for course, root in self.taught_course_roots.items():
            ensure_course_group(root, course_group_name(course), self.system_user)
        return account

    def _prepare_home(self, lang: str) -> None:
        account = self._ensure_account()
        written = write_lab_language(Path(self.home_dir), lang)
        if account is not None:
            for path in (written.parent.parent, written.parent, written):
                os.chown(path, account.uid, account.gid)

    async def start(self):
        self.page_lang = spawn_language(self)
        await asyncio.get_running_loop().run_in_executor(None, self._prepare_home,
                                                         self.page_lang)
        if not self.isolated:
            self.log.warning(
                "The hub is not running as root: %s's server runs as the hub's own user, "
                "without per-user isolation", self.user.name,
            )
        return await super().start()

    def make_preexec_fn(self, name):
        home = self.home_dir
        if self.isolated:
            become_user = super().make_preexec_fn(self.system_user)

            def preexec_as_user():
                become_user()
                os.chdir(home)

            return preexec_as_user

        def preexec():
            os.chdir(home)

        return preexec

    def user_env(self, env):
        env["USER"] = self.system_user if self.isolated else self.user.name
        env["HOME"] = self.home_dir
        env["SHELL"] = "/bin/bash"
        env["SENLAB_LANG"] = self.page_lang  # the lab helper speaks the user's language too
        return env


def make_pre_spawn_hook(settings: Settings):
    """The pre-spawn hook: give the server its broker credentials and topic root."""

    def prepare_server(spawner) -> None:
        inject_broker_credentials(spawner)
        wire_courses(spawner)

    def inject_broker_credentials(spawner) -> None:
        spawner.environment.update(trainee_environment(settings, spawner.user.name))

    def wire_courses(spawner) -> None:
        courses = taught_courses([group.name for group in spawner.user.groups])
        home = Path(spawner.home_dir)
        instructor_dir = None
        spawner.taught_course_roots = {}
        if courses:
            links = home / "courses"
            links.mkdir(parents=True, exist_ok=True)
            for course in courses:
                root = course_root(settings, course)
                spawner.taught_course_roots[course] = root
                link = links / course
                if not link.is_symlink():
                    link.symlink_to(root, target_is_directory=True)
            instructor_dir = instructor_config(settings, spawner.user.name, home, courses[0])
        spawner.environment["JUPYTER_CONFIG_PATH"] = config_path_for(
            settings, instructor_dir=instructor_dir
        )

    return prepare_server


def spawn_language(spawner) -> str:
    """The language of the page that asked for the server (its `?lang=`, the remembered
    choice, Accept-Language), else vi: a server started through the API has no page."""
    handler = getattr(spawner, "handler", None)
    if handler is None or not hasattr(handler, "request"):
        return DEFAULT
    return page_language(handler)


def write_lab_language(home: Path, lang: str) -> Path:
    """Make JupyterLab speak `lang` by default for the user whose home is `home`:
    `~/.jupyter/labconfig/default_setting_overrides.json` with the locale of
    `@jupyterlab/translation-extension:plugin` (vi_VN: the jupyterlab-language-pack-vi-VN
    package). Return the file.

    jupyterlab_server reads `labconfig/default_setting_overrides.json` from every Jupyter
    config folder (jupyterlab_server.settings_utils._get_overrides); the user's own
    `~/.jupyter` is one. It sets the default only: a language the user picks in
    JupyterLab's Settings → Language menu is kept in their user settings and wins.
    """
    labconfig = home / ".jupyter" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    path = labconfig / "default_setting_overrides.json"
    overrides = json.loads(path.read_text()) if path.exists() else {}
    if not isinstance(overrides, dict):
        overrides = {}
    overrides[TRANSLATION_PLUGIN] = {"locale": JUPYTERLAB_LOCALES[lang]}
    path.write_text(json.dumps(overrides, indent=1))
    return path
