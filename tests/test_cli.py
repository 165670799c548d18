"""The `senlab` command itself: its own subcommand, `senlab device register`."""

from __future__ import annotations

import pytest

from senlab.cli import main


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")  # the credentials table is not folded


def test_a_device_gets_credentials_for_its_own_subtree(capsys):
    assert main(["device", "register", "--trainee", "trainee1", "--lab", "iot101-sensors",
                 "--id", "esp32-1"]) == 0
    out = capsys.readouterr().out
    assert "labs/trainee1/iot101-sensors/esp32-1/" in out
    assert "device/trainee1/iot101-sensors/esp32-1" in out


def test_a_device_id_unsafe_for_topics_is_refused(capsys):
    code = main(["device", "register", "--trainee", "trainee1", "--lab", "iot101-sensors",
                 "--id", "esp32/#"])
    assert code == 2
    assert "device 'esp32/#' is not a valid name" in " ".join(capsys.readouterr().out.split())
