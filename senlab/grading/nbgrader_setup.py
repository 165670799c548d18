"""nbgrader's configuration for one course, built from SenLab's settings.

The hub's nbgrader_config and the autograder share this: the course directory is
`SENLAB_HOME/courses/<id>`, the exchange `SENLAB_HOME/exchange`, and autograding
executes every notebook in the bubblewrap sandbox (`SandboxedExecute`).

Order rules for the autograde pipeline: `OverwriteCells` (in the sanitize list)
restores grade and locked cells from the gradebook before anything runs, and
`SandboxedExecute` replaces nbgrader's `Execute` in place, before `SaveAutoGrades`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from traitlets.config import Config

from senlab.courses import course_root, exchange_root

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

    from senlab.grading.sandbox import SandboxPolicy
    from senlab.settings import Settings


def course_config(
    settings: Settings, course_id: str, *, policy: SandboxPolicy | None = None
) -> Config:
    """The traitlets Config nbgrader needs to manage and grade `course_id`."""
    root = course_root(settings, course_id)
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = course_id
    # A generous busy timeout: several graders write the same SQLite gradebook.
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}?timeout=60"
    config.Exchange.root = str(exchange_root(settings))
    config.Autograde.autograde_preprocessors = _autograde_preprocessors()
    config.SandboxedExecute.timeout = settings.grading_cell_timeout
    config.SandboxedExecute.source_root = str(root / "source")
    if policy is not None:
        config.SandboxedExecute.policy_json = policy.to_json()
    return config


def _autograde_preprocessors() -> list:
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from senlab.grading.execute import SandboxedExecute

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    steps = [SandboxedExecute if step is Execute else step for step in default]
    if SandboxedExecute not in steps:
        raise RuntimeError("nbgrader's autograde pipeline has no Execute step to replace")
    return steps


def nbgrader_api(
    settings: Settings, course_id: str, *, policy: SandboxPolicy | None = None
) -> NbGraderAPI:
    """An NbGraderAPI for the course, with alembic reachable on PATH."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    ensure_venv_on_path()
    config = course_config(settings, course_id, policy=policy)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def ensure_venv_on_path() -> None:
    """nbgrader shells out to `alembic`: the interpreter's bin/ must be on PATH."""
    import sys

    venv_bin = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if venv_bin not in path.split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + path
