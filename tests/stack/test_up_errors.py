"""`senlab up` stops at once, naming what is wrong, when a port is taken or a program is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from senlab.settings import Settings
from senlab.stack import StackError, check_home_reachable
from tests.stack.harness import PORT_SETTINGS, REPO, free_ports, reachable_tmpdir


def run_up(**env_overrides: str) -> subprocess.CompletedProcess:
    home = reachable_tmpdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENLAB_")}
    ports = dict(zip(PORT_SETTINGS, free_ports(len(PORT_SETTINGS)), strict=True))
    env.update({f"SENLAB_{name}": str(port) for name, port in ports.items()})
    env.update({"SENLAB_HOME": str(home / "home"), "COLUMNS": "200"})
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-m", "senlab.cli", "up", "--demo"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=60)


def test_a_taken_port_is_named_with_its_setting():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_up(SENLAB_MQTT_PORT=str(port))
    assert result.returncode == 2
    assert f"port {port}" in result.stdout
    assert "SENLAB_MQTT_PORT" in result.stdout


def test_two_settings_on_one_port_are_refused():
    port = str(free_ports(1)[0])
    result = run_up(SENLAB_PROGRESS_PORT=port, SENLAB_FLEET_PORT=port)
    assert result.returncode == 2
    assert "SENLAB_FLEET_PORT and SENLAB_PROGRESS_PORT are both" in " ".join(result.stdout.split())


def test_a_missing_mosquitto_is_named_with_how_to_install_it():
    result = run_up(SENLAB_MOSQUITTO="/nonexistent/mosquitto")
    assert result.returncode == 2
    text = " ".join(result.stdout.split())
    assert "Mosquitto ('/nonexistent/mosquitto')" in text
    assert "apt-get install mosquitto" in text


def test_a_bad_setting_is_named():
    result = run_up(SENLAB_HUB_PORT="not-a-port")
    assert result.returncode == 2
    assert "hub_port" in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root switches to the broker's account")
def test_a_home_the_broker_cannot_reach_is_refused(tmp_path):
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    result = run_up(SENLAB_HOME=str(hidden / "home"))
    assert result.returncode == 2
    assert "not reachable" in " ".join(result.stdout.split())


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root hub runs servers as other accounts")
def test_an_install_the_trainees_accounts_cannot_reach_is_refused_naming_the_folder():
    base = reachable_tmpdir()
    closed = base / "clone"
    (closed / ".venv").mkdir(parents=True)
    closed.chmod(0o700)
    settings = Settings(home=base / "home")
    with pytest.raises(StackError, match=f"{closed} is mode 700") as refused:
        check_home_reachable(settings, install=closed / ".venv")
    assert "SenLab's install" in str(refused.value) and "chmod o+x" in str(refused.value)
    closed.chmod(0o711)
    check_home_reachable(settings, install=closed / ".venv")  # passes once it can be crossed
    shutil.rmtree(base)
