"""Courses in the hub: nbgrader's exchange, assignment list and formgrader for every server.

Who takes or teaches a course is a hub group, as nbgrader's JupyterHubAuthPlugin reads it:
`nbgrader-<course>` for its trainees and `formgrade-<course>` for its instructors. Every
server reads a shared nbgrader config (the exchange under SENLAB_HOME). Trainees' servers
also read a config that turns formgrader off; an instructor's server reads one that points
formgrader at their course, reached through a link in their home, and their system
account joins the course's group so that it may write the gradebook.
"""

from __future__ import annotations

import grp
import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from senlab.courses import exchange_root
from senlab.hub.cohort import Cohort
from senlab.settings import Settings

STUDENT_PREFIX = "nbgrader-"
INSTRUCTOR_PREFIX = "formgrade-"
INSTRUCTOR_ONLY_LAB_EXTENSIONS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)


def jupyter_dir(settings: Settings) -> Path:
    return settings.home / "jupyter"


def course_group_name(course: str) -> str:
    """The system group whose members may write a course's nbgrader folder."""
    return f"sl-course-{course}"[:32]


def course_group_members(people: Iterable[tuple[str, str, list[str]]]
                         ) -> dict[str, list[str]]:
    """nbgrader's course groups and their members, from (role, username, courses):
    `nbgrader-<course>` for the trainees who take it, `formgrade-<course>` for the
    instructors who teach it."""
    prefixes = {"trainee": STUDENT_PREFIX, "instructor": INSTRUCTOR_PREFIX}
    groups: dict[str, list[str]] = {}
    for role, username, courses in people:
        for course in courses if role in prefixes else []:
            groups.setdefault(prefixes[role] + course, []).append(username)
    return groups


def course_groups(cohort: Cohort) -> dict[str, dict]:
    """`load_groups` entries for the cohort's course enrolments and teaching."""
    members = course_group_members((u.role, u.username, u.courses) for u in cohort.users)
    return {group: {"users": users} for group, users in members.items()}


def taught_courses(group_names: list[str]) -> list[str]:
    return sorted(name.removeprefix(INSTRUCTOR_PREFIX) for name in group_names
                  if name.startswith(INSTRUCTOR_PREFIX))


def write_common_configs(settings: Settings) -> None:
    """The config folders every server reads: shared nbgrader, and the trainees' limits."""
    exchange = exchange_root(settings)
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)  # like /tmp: everyone submits, nobody deletes others' files
    common = jupyter_dir(settings) / "common"
    common.mkdir(parents=True, exist_ok=True)
    (common / "nbgrader_config.py").write_text(
        '"""nbgrader for every SenLab server (written by senlab up)."""\n'
        f"c.Exchange.root = {str(exchange)!r}\n"
        "c.Exchange.path_includes_course = True\n"
        'c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"\n'
    )
    trainee = jupyter_dir(settings) / "trainee"
    (trainee / "labconfig").mkdir(parents=True, exist_ok=True)
    (trainee / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in INSTRUCTOR_ONLY_LAB_EXTENSIONS}}, indent=1
    ))
    (trainee / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False,
                                               "nbgrader.server_extensions.course_list": False}}},
        indent=1,
    ))
    for folder in (jupyter_dir(settings), common, trainee, trainee / "labconfig"):
        folder.chmod(0o755)


def instructor_config(settings: Settings, username: str, home: Path, course: str) -> Path:
    """The instructor's own config folder: formgrader on their course (the first taught)."""
    folder = jupyter_dir(settings) / "users" / username
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(
        f'"""nbgrader for {username}, who teaches {course} (written by the hub)."""\n'
        f"c.CourseDirectory.root = {str(home / 'courses' / course)!r}\n"
        f"c.CourseDirectory.course_id = {course!r}\n"
    )
    return folder


def ensure_course_group(course_root: Path, group: str, member: str | None) -> None:
    """As root: the course folder belongs to its group, which the instructor joins."""
    try:
        grp.getgrnam(group)
    except KeyError:
        subprocess.run(["groupadd", "--system", group], check=True, capture_output=True)
    if member:
        subprocess.run(["usermod", "--append", "--groups", group, member], check=True,
                       capture_output=True)
    gid = grp.getgrnam(group).gr_gid
    course_root.mkdir(parents=True, exist_ok=True)
    for folder, dirs, files in os.walk(course_root):
        os.chown(folder, -1, gid)
        os.chmod(folder, 0o2770)
        for name in files:
            path = os.path.join(folder, name)
            os.chown(path, -1, gid)
            os.chmod(path, os.stat(path).st_mode | 0o060)
        del dirs[:0]


def config_path_for(settings: Settings, *, instructor_dir: Path | None) -> str:
    """JUPYTER_CONFIG_PATH for a server: its own folder first, then the shared ones."""
    folders = [instructor_dir] if instructor_dir else [jupyter_dir(settings) / "trainee"]
    folders.append(jupyter_dir(settings) / "common")
    return os.pathsep.join(str(folder) for folder in folders)
