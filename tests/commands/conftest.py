"""Each subcommand runs against a SENLAB_HOME of its own, with no admin token or database
URL from the environment, and a console wide enough that messages are not folded.

The locale is English (`LANG=en_US.UTF-8`, no `LC_ALL` or `LC_MESSAGES`) so that the tests
read the English messages; a test that reads the Vietnamese ones passes `--lang vi` or sets
`LANG` itself.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    for name in ("SENLAB_ADMIN_TOKEN", "SENLAB_DATABASE_URL", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "home"
