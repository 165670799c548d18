"""`senlab.lab.connect`: a running lab from the settings the hub gives a trainee's server;
missing settings and unknown labs are named, in the trainee's language (English here,
`SENLAB_LANG=en`, unless a test says otherwise). No broker is needed here."""

from __future__ import annotations

from pathlib import Path

import pytest

from senlab.lab import LabError, connect
from senlab.settings import Settings

CREDENTIALS = {"mqtt_username": "an", "mqtt_password": "an-pw", "topic_root": "labs/an",
               "mqtt_host": "127.0.0.1", "mqtt_port": 18830}


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENLAB_LANG", "en")


def settings(tmp_path: Path, **fields) -> Settings:  # noqa: ANN003
    return Settings(home=tmp_path, **fields)


def test_connect_reads_the_broker_and_the_devices_from_settings_and_the_lab_file(
    tmp_path: Path,
) -> None:
    lab = connect("iot101-sensors", settings=settings(tmp_path, **CREDENTIALS))
    assert (lab.host, lab.port, lab.username, lab.password) == ("127.0.0.1", 18830, "an",
                                                                "an-pw")
    assert lab.topic_root == "labs/an/iot101-sensors"
    air = next(d for d in lab.devices if d["id"] == "air-1")
    assert air["topic"] == "labs/an/iot101-sensors/air-1"
    assert air["model"] == "air_quality" and "ping" in air["commands"]


def test_environment_variables_reach_connect_as_the_hub_sets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"SENLAB_MQTT_USERNAME": "binh", "SENLAB_MQTT_PASSWORD": "pw",
                        "SENLAB_TOPIC_ROOT": "labs/binh", "SENLAB_HOME": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    assert connect("iot101-sensors").topic_root == "labs/binh/iot101-sensors"


def test_without_any_credentials_connect_names_every_missing_variable(tmp_path: Path) -> None:
    with pytest.raises(LabError) as caught:
        connect("iot101-sensors", settings=settings(tmp_path))
    assert str(caught.value).startswith(
        "SENLAB_MQTT_USERNAME, SENLAB_MQTT_PASSWORD, SENLAB_TOPIC_ROOT are not set: ")


@pytest.mark.parametrize(("field", "variable"), [("mqtt_username", "SENLAB_MQTT_USERNAME"),
                                                 ("mqtt_password", "SENLAB_MQTT_PASSWORD"),
                                                 ("topic_root", "SENLAB_TOPIC_ROOT")])
def test_one_missing_variable_is_named_alone(tmp_path: Path, field: str, variable: str) -> None:
    given = {k: v for k, v in CREDENTIALS.items() if k != field}
    with pytest.raises(LabError, match=f"^{variable} is not set: "):
        connect("iot101-sensors", settings=settings(tmp_path, **given))


def test_an_unknown_lab_is_named_with_the_labs_there_are(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="no lab 'no-such-lab': .* labs: .*iot101-sensors"):
        connect("no-such-lab", settings=settings(tmp_path, **CREDENTIALS))


def test_a_lab_name_that_is_a_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="is not a lab id"):
        connect("../secrets", settings=settings(tmp_path, **CREDENTIALS))


def test_the_errors_are_in_vietnamese_for_a_vietnamese_trainee(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENLAB_LANG", "vi")
    with pytest.raises(LabError) as caught:
        connect("iot101-sensors", settings=settings(tmp_path))
    assert str(caught.value).startswith(
        "chưa đặt SENLAB_MQTT_USERNAME, SENLAB_MQTT_PASSWORD, SENLAB_TOPIC_ROOT: ")
    with pytest.raises(LabError, match="^không có bài thực hành 'no-such-lab': .*iot101-sensors"):
        connect("no-such-lab", settings=settings(tmp_path, **CREDENTIALS))
    with pytest.raises(LabError, match="không phải mã bài thực hành"):
        connect("../secrets", settings=settings(tmp_path, **CREDENTIALS))
