"""`senlab up --demo` publishes the courses that are new or changed, and only those."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from senlab.settings import Settings
from senlab.stack import publish_new_courses

pytestmark = pytest.mark.integration  # runs nbgrader


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(Settings().repo_root / "courses" / "iot101", root / "courses" / "iot101")
    shutil.copytree(Settings().repo_root / "labs", root / "labs")  # publishing reads them
    monkeypatch.setattr(Settings, "repo_root", property(lambda self: root))
    return root


def test_a_course_is_published_once_then_again_when_a_notebook_changes(repo, tmp_path):
    settings = Settings(home=tmp_path / "home")
    assert publish_new_courses(settings) == ["iot101"]
    assert publish_new_courses(settings) == []
    notebook = next((repo / "courses" / "iot101" / "source").rglob("*.ipynb"))
    later = time.time() + 5
    os.utime(notebook, (later, later))
    assert publish_new_courses(settings) == ["iot101"]
