"""The `senlab` command itself: its own subcommand, `senlab device register`, and the
language it speaks (`--lang`, else the locale, else Vietnamese)."""

from __future__ import annotations

import pytest

from senlab.cli import main

REGISTER = ["device", "register", "--trainee", "trainee1", "--lab", "iot101-sensors",
            "--id", "esp32-1"]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")  # the credentials table is not folded
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def test_a_device_gets_credentials_for_its_own_subtree(capsys):
    assert main(REGISTER) == 0
    out = capsys.readouterr().out
    assert "labs/trainee1/iot101-sensors/esp32-1/" in out
    assert "device/trainee1/iot101-sensors/esp32-1" in out
    assert "Broker account for device esp32-1" in out and "topic root" in out


def test_a_device_id_unsafe_for_topics_is_refused(capsys):
    code = main(["device", "register", "--trainee", "trainee1", "--lab", "iot101-sensors",
                 "--id", "esp32/#"])
    assert code == 2
    assert "device 'esp32/#' is not a valid name" in " ".join(capsys.readouterr().out.split())


def test_lang_vi_speaks_vietnamese_wherever_it_stands(capsys):
    assert main(["--lang", "vi", *REGISTER]) == 0
    first = capsys.readouterr().out
    assert main([*REGISTER, "--lang=vi"]) == 0
    assert capsys.readouterr().out == first
    assert "Tài khoản broker MQTT cho thiết bị esp32-1" in first
    assert "chủ đề gốc (topic root)" in first and "Broker account" not in first


def test_without_lang_the_locale_decides(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    assert main(REGISTER) == 0
    assert "Tài khoản broker MQTT" in capsys.readouterr().out


def test_a_locale_that_names_no_language_speaks_vietnamese(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(REGISTER) == 0
    assert "Tài khoản broker MQTT" in capsys.readouterr().out


def test_a_language_not_offered_is_refused_by_name(capsys):
    assert main(["--lang", "fr", *REGISTER]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "--lang: language 'fr' is not offered; offered: vi, en" in out
    assert "esp32-1" not in out  # nothing was registered


def test_the_help_is_in_the_chosen_language(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--lang", "vi", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "chạy toàn bộ hệ thống trên máy này" in out  # `up`'s help
    assert "run the whole stack" not in out


def test_argparse_speaks_the_language_too_and_is_put_back_after(capsys):
    import argparse

    with pytest.raises(SystemExit) as done:
        main(["--lang", "vi", "device", "register", "--trainee", "x"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "cách dùng: senlab device register" in err
    assert "senlab device register: lỗi: thiếu các tham số bắt buộc: --lab, --id" in err
    assert argparse._("usage: ") == "usage: "  # argparse's own lookup again after the run
    with pytest.raises(SystemExit):
        main(["device", "register", "--trainee", "x"])
    assert "the following arguments are required: --lab, --id" in capsys.readouterr().err
