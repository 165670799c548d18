"""Each subcommand runs against a SENLAB_HOME of its own, with no admin token or database
URL from the environment, and a console wide enough that messages are not folded."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    for name in ("SENLAB_ADMIN_TOKEN", "SENLAB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "home"
