"""Every entry point that runs in production refuses weak settings before it does anything.

Each runs as the hub or an operator would start it, in a subprocess, with one weak setting;
it must exit naming that setting and leave SENLAB_HOME unwritten.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.stack.harness import REPO

# One weak setting per entry point, a different one each; the checks themselves are
# tested one by one in test_settings.py.
ENTRY_POINTS = {
    "broker": (["-m", "senlab.broker"], "SENLAB_ADMIN_TOKEN",
               "changeme-changeme-changeme-changeme"),
    "progress": (["-m", "senlab.progress"], "SENLAB_DATABASE_URL",
                 "postgresql://senlab:short@127.0.0.1/senlab"),
    "fleet": (["-m", "senlab.fleet"], "JUPYTERHUB_API_TOKEN", "0123456789abcdef"),
    "grading": (["-m", "senlab.grading"], "SENLAB_MQTT_PASSWORD", "password-password"),
    "up": (["-m", "senlab.cli", "up"], "SENLAB_AUTHENTICATOR", "dummy"),
}


def run(args: list[str], home, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("SENLAB_", "JUPYTERHUB_"))}
    environ.update(SENLAB_HOME=str(home), SENLAB_ENVIRONMENT="production", COLUMNS="200", **env)
    return subprocess.run([sys.executable, *args], cwd=REPO, env=environ, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_an_entry_point_refuses_a_weak_setting_naming_it(tmp_path, entry):
    args, name, value = ENTRY_POINTS[entry]
    home = tmp_path / "home"
    result = run(args, home, **{name: value})
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, said
    # The hub gives a service its token as JUPYTERHUB_API_TOKEN; the setting is this one.
    assert ("SENLAB_HUB_SERVICE_TOKEN" if name == "JUPYTERHUB_API_TOKEN" else name) in said
    assert "Traceback" not in said
    assert not home.exists()  # refused before a file was written


def test_up_with_the_demo_is_refused_in_production(tmp_path):
    home = tmp_path / "home"
    result = run(["-m", "senlab.cli", "up", "--demo"], home)
    assert result.returncode == 2
    assert "SENLAB_DEMO" in " ".join(result.stdout.split())
    assert not home.exists()
