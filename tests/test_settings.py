"""Settings: defaults, validation, and secrets generated once with mode 0600."""

from __future__ import annotations

import secrets
import stat

import pytest
from pydantic import ValidationError

from senlab.settings import Settings, WeakSetting, process_environment


def test_defaults_are_the_embedded_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)
    assert settings.home == tmp_path / "var"
    assert (settings.hub_port, settings.mqtt_port) == (8000, 1883)
    assert settings.db_url == f"sqlite:///{tmp_path / 'var' / 'progress.sqlite'}"
    assert settings.admin_token is None


def test_settings_are_read_from_senlab_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path))
    monkeypatch.setenv("SENLAB_HUB_PORT", "9000")
    monkeypatch.setenv("SENLAB_ADMIN_TOKEN", "x" * 40)
    settings = Settings()
    assert settings.home == tmp_path
    assert settings.hub_port == 9000
    assert settings.admin_token_value() == "x" * 40


@pytest.mark.parametrize("name,value", [("SENLAB_HUB_PORT", "70000"), ("SENLAB_MQTT_PORT", "abc"),
                                        ("SENLAB_AUTHENTICATOR", "pam")])
def test_a_bad_setting_names_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as err:
        Settings()
    assert name.removeprefix("SENLAB_").lower() in str(err.value)


def test_a_secret_is_generated_once_with_mode_0600_and_reused(tmp_path):
    settings = Settings(home=tmp_path)
    first = settings.secret("cookie")
    assert len(first) == 64
    path = tmp_path / "secrets" / "cookie"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert Settings(home=tmp_path).secret("cookie") == first


def test_a_secret_name_cannot_escape_the_secrets_folder(tmp_path):
    with pytest.raises(ValueError, match="secret name"):
        Settings(home=tmp_path).secret("../etc/passwd")


def test_the_demo_password_is_the_given_one_or_a_stable_generated_one(tmp_path):
    assert Settings(home=tmp_path, demo_password="given-pass").demo_password_value() == "given-pass"
    generated = Settings(home=tmp_path).demo_password_value()
    assert len(generated) == 12
    assert Settings(home=tmp_path).demo_password_value() == generated


@pytest.mark.parametrize("update,message", [
    ({"authenticator": "dummy"}, "SENLAB_AUTHENTICATOR=dummy"),
    ({"demo": True}, "SENLAB_DEMO"),
    ({"admin_token": "0f9e8d7c6b5a"}, "SENLAB_ADMIN_TOKEN must be at least 32 characters"),
    ({"admin_token": "changeme" * 5}, "SENLAB_ADMIN_TOKEN is a placeholder"),
    ({"admin_token": "x" * 40}, "SENLAB_ADMIN_TOKEN is a placeholder"),
    ({"hub_service_token": "0f9e8d7c6b5a4321"}, "SENLAB_HUB_SERVICE_TOKEN must be at least 32"),
    ({"mqtt_password": "Secret-2026-lab-pw"}, "SENLAB_MQTT_PASSWORD is a placeholder"),
    ({"mqtt_password": "0f9e8d7c"}, "SENLAB_MQTT_PASSWORD must be at least 16"),
    ({"demo_password": "password1234"}, "SENLAB_DEMO_PASSWORD is a placeholder"),
    ({"database_url": "postgresql://senlab:0f9e8d7c@db/senlab"},
     "SENLAB_DATABASE_URL's password must be at least 16"),
    ({"database_url": "postgresql+psycopg://senlab:change%5Fme-please-now@db/senlab"},
     "SENLAB_DATABASE_URL's password is a placeholder"),
])
def test_production_refuses_weak_settings_naming_them(tmp_path, update, message):
    settings = Settings(home=tmp_path, environment="production", **update)
    with pytest.raises(WeakSetting, match=message):
        settings.check_production()


def test_production_takes_strong_settings(tmp_path):
    strong = secrets.token_hex(32)
    Settings(home=tmp_path, environment="production", admin_token=strong,
             hub_service_token=strong, mqtt_password=strong,
             database_url=f"postgresql://senlab:{strong}@db/senlab").check_production()


def test_development_takes_weak_settings(tmp_path):
    Settings(home=tmp_path, authenticator="dummy", demo=True, admin_token="short",
             mqtt_password="password").check_production()


def test_a_child_process_gets_every_setting_written_out(tmp_path):
    settings = Settings(home=tmp_path, hub_port=8123, admin_token="t" * 32)
    env = process_environment(settings, EXTRA="1")
    assert env["SENLAB_HOME"] == str(tmp_path)
    assert env["SENLAB_HUB_PORT"] == "8123"
    assert env["SENLAB_ADMIN_TOKEN"] == "t" * 32
    assert env["EXTRA"] == "1"
