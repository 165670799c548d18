"""Lab files: the shipped labs load, and a bad file names the file, the field and the reason."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from lab_devices.labs.labfile import LabFileError, load_lab, load_labs, parse_lab

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


def test_the_shipped_labs_load():
    labs = load_labs(LABS)
    assert {"iot101-sensors", "energy-basics"} <= set(labs)
    for lab in labs.values():
        assert lab.checks and lab.devices
        assert all(c.title.vi and c.title.en and c.failure.vi for c in lab.checks)


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (lambda d: d["devices"][0].update(model="toaster"), "devices.0",
         "unknown model 'toaster'"),
        (lambda d: d["devices"][0]["params"].update(interval="fast"),
         "devices.0.params.interval", "valid number"),
        (lambda d: d["devices"][0]["params"].update(colour=1), "devices.0.params.colour",
         "Extra inputs"),
        (lambda d: d["devices"][1].update(id="Effluent 1"), "devices.1.id", "pattern"),
        (lambda d: d["faults"][0].update(kind="gremlin"), "faults.0.kind", "Input should be"),
        (lambda d: d["faults"][0].update(device="air-9"), "faults.0.device",
         "no device 'air-9' in this lab"),
        (lambda d: d["faults"][0].update(channel="colour"), "faults.0.channel",
         "air_quality has no channel 'colour'"),
        (lambda d: d["faults"][0].pop("channel"), "faults.0.channel", "needs a channel"),
        (lambda d: d["faults"].append({"device": "air-1", "kind": "low_battery"}),
         "faults.2.kind", "has no battery"),
        (lambda d: d["checks"][0]["title"].pop("vi"), "checks.0.title.vi", "Field required"),
        (lambda d: d["checks"][0].update(when={"magic": {}}), "checks.0.when",
         "a condition is a mapping with one key"),
        (lambda d: d["checks"][2]["when"]["all"][0]["fault"].update(device="nope"),
         "checks.2.when.all.0.fault.device", "no device 'nope'"),
        (lambda d: d["checks"][1]["when"]["state"].pop("equals"), "checks.1.when.state",
         "give one of equals, at_least, at_most"),
        (lambda d: d["checks"].append(copy.deepcopy(d["checks"][0])), "checks",
         "check ids must be unique"),
        (lambda d: d.update(extra=1), "extra", "Extra inputs"),
    ],
)
def test_a_bad_lab_names_the_field_and_the_reason(edit, field, reason):
    problems = problems_of(changed(edit))
    assert any(f == field and reason in r for f, r in problems), problems


def test_a_file_that_is_not_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken" / "lab.yaml"
    path.parent.mkdir()
    path.write_text("id: [unclosed\n")
    with pytest.raises(LabFileError, match="broken/lab.yaml") as caught:
        load_lab(path)
    assert "not valid YAML" in caught.value.problems[0][1]


def test_a_lab_id_must_match_its_folder(tmp_path):
    path = tmp_path / "other-name" / "lab.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(GOOD, allow_unicode=True))
    with pytest.raises(LabFileError) as caught:
        load_lab(path)
    assert caught.value.problems == [("id", "'iot101-sensors' differs from its folder "
                                            "'other-name'")]


def test_a_missing_file_says_it_cannot_be_read(tmp_path):
    with pytest.raises(LabFileError, match="cannot read"):
        load_lab(tmp_path / "nothing" / "lab.yaml")
