"""Hints in lab files, and the fleet giving them: a bad hint names the file and the field;
an unknown check is named with the lab's checks; every hint given is a HintRecord."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from lab_devices.fleet.runtime import Fleet, HintRecord, UnknownCheck, UnknownLab
from lab_devices.labs.labfile import LabFileError, load_lab, parse_lab
from lab_devices.mqtt.fake import FakeBroker

LABS = Path(__file__).resolve().parents[3] / "labs"
GOOD = yaml.safe_load((LABS / "iot101-sensors" / "lab.yaml").read_text())
HERE = Path("labs/iot101-sensors/lab.yaml")


def problems_of(document) -> list[tuple[str, str]]:
    with pytest.raises(LabFileError) as caught:
        parse_lab(document, HERE)
    assert str(HERE) in str(caught.value)
    return caught.value.problems


def changed(edit) -> dict:
    document = copy.deepcopy(GOOD)
    edit(document)
    return document


def test_the_shipped_lab_gives_every_check_a_hint_in_both_languages():
    lab = load_lab(LABS / "iot101-sensors" / "lab.yaml")
    assert all(c.hint is not None and c.hint.vi and c.hint.en for c in lab.checks)
    assert "report_fault" in lab.check("stuck-pm25").hint.en


def test_a_check_without_a_hint_is_valid():
    document = changed(lambda d: d["checks"][0].pop("hint"))
    assert parse_lab(document, HERE).checks[0].hint is None


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (lambda d: d["checks"][1]["hint"].pop("en"), "checks.1.hint.en", "Field required"),
        (lambda d: d["checks"][1]["hint"].update(vi=""), "checks.1.hint.vi", "at least 1"),
        (lambda d: d["checks"][1].update(hint="just read the manual"), "checks.1.hint",
         "valid dictionary"),
        (lambda d: d["checks"][1]["hint"].update(fr="lisez"), "checks.1.hint.fr",
         "Extra inputs are not permitted"),
        # A hint belongs inside its check; a list of hints beside the checks is refused.
        (lambda d: d.update(hints={"ping-station": {"vi": "a", "en": "b"}}), "hints",
         "Extra inputs are not permitted"),
    ],
)
def test_a_malformed_hint_names_the_file_and_field(edit, field, reason):
    [(where, why)] = problems_of(changed(edit))
    assert where == field and reason in why


def test_an_unknown_check_is_named_with_the_labs_checks():
    lab = load_lab(LABS / "iot101-sensors" / "lab.yaml")
    with pytest.raises(KeyError) as caught:
        lab.check("ping-staton")
    assert caught.value.args[0] == (
        "lab 'iot101-sensors' has no check 'ping-staton'; checks: ping-station, "
        "slow-down-air, stuck-pm25, calibrate-ph, ack-effluent-alarm")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fleet():
    records: list = []
    clock = Clock(1_000.0)
    labs = {"iot101-sensors": load_lab(LABS / "iot101-sensors" / "lab.yaml")}
    document = changed(lambda d: d["checks"][1].pop("hint"))
    labs["iot101-sensors"] = parse_lab(document, HERE)
    return Fleet(FakeBroker().connect, labs, events=records.extend, clock=clock), records, clock


def test_a_hint_is_given_in_both_languages_and_recorded_without_the_lab_running(fleet):
    fleet, records, clock = fleet
    given = fleet.hint("an", "iot101-sensors", "stuck-pm25")
    assert given.hint is not None and given.hint["vi"].startswith("So sánh")
    assert given.title["en"] == "Find the stuck PM2.5 sensor and restart the station"
    assert given.repeated is False
    assert records == [HintRecord("an", "iot101-sensors", "stuck-pm25", 1_000.0)]


def test_asking_again_is_recorded_again_and_said_to_be_repeated(fleet):
    fleet, records, clock = fleet
    fleet.hint("an", "iot101-sensors", "stuck-pm25")
    clock.now = 1_060.0
    again = fleet.hint("an", "iot101-sensors", "stuck-pm25")
    other = fleet.hint("binh", "iot101-sensors", "stuck-pm25")
    assert again.repeated is True and other.repeated is False
    assert [r.at for r in records] == [1_000.0, 1_060.0, 1_060.0]


def test_a_check_without_a_hint_says_so_and_records_nothing(fleet):
    fleet, records, clock = fleet
    given = fleet.hint("an", "iot101-sensors", "slow-down-air")
    assert given.hint is None and given.as_dict()["hint"] is None
    assert records == []


def test_an_unknown_check_or_lab_records_nothing(fleet):
    fleet, records, clock = fleet
    with pytest.raises(UnknownCheck, match="no check 'nope'; checks: ping-station, "):
        fleet.hint("an", "iot101-sensors", "nope")
    with pytest.raises(UnknownLab, match="no lab 'iot999'"):
        fleet.hint("an", "iot999", "ping-station")
    assert records == []
