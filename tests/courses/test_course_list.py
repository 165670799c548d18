"""`senlab course list --json`: one object per course, with its completion rule; a bad
course.yaml is named by file and field, and nothing is printed on stdout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from senlab.cli import main
from senlab.courses import course_root
from senlab.settings import REPO_ROOT, Settings

DEMO = REPO_ROOT / "courses" / "iot101"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def listing(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["course", *args, "list", "--json"])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_demo_course_is_listed_with_its_rule(home: Path, capsys) -> None:  # noqa: ANN001
    code, out, _ = listing(capsys)
    assert code == 0
    [course] = [c for c in json.loads(out) if c["id"] == "iot101"]
    assert course["title"] == {"vi": "IoT cơ bản: cảm biến, MQTT và dữ liệu đo",
                               "en": "IoT basics: sensors, MQTT and telemetry"}
    assert (course["level"], course["hours"], course["published"]) == ("beginner", 16, False)
    [assignment] = course["assignments"]
    assert (assignment["id"], assignment["lab"], assignment["pass_mark"]) == (
        "mqtt-telemetry", "iot101-sensors", 60)
    assert [c["id"] for c in assignment["checks"]] == ["ping-station", "slow-down-air"]
    assert assignment["checks"][1]["title"]["en"]
    rule = course["completion"]
    assert (rule["pass_marks"], rule["required"], rule["min_average"]) == (
        {"mqtt-telemetry": 60}, ["mqtt-telemetry"], 60)
    assert [c["check"] for c in rule["checks"]] == ["ping-station", "slow-down-air"]


def test_a_course_with_a_published_copy_says_so(home: Path, capsys) -> None:  # noqa: ANN001
    published = course_root(Settings(home=home), "iot101")
    published.mkdir(parents=True)
    shutil.copy2(DEMO / "course.yaml", published / "course.yaml")
    _, out, _ = listing(capsys)
    assert [c["published"] for c in json.loads(out) if c["id"] == "iot101"] == [True]


def test_pass_marks_and_the_required_subset_are_each_assignments(
    home: Path, tmp_path: Path, capsys  # noqa: ANN001
) -> None:
    from tests.courses.test_course_yaml import GOOD, write_course

    write_course(tmp_path / "courses", GOOD)
    code, out, _ = listing(capsys, "--courses-dir", str(tmp_path / "courses"))
    [course] = json.loads(out)
    assert code == 0
    assert {a["id"]: a["pass_mark"] for a in course["assignments"]} == {
        "coverage": 60, "slicing": 80}
    assert (course["completion"]["required"], course["completion"]["min_average"]) == (
        ["coverage"], 50)


@pytest.mark.parametrize(("old", "new", "field"), [
    ("level: beginner", "level: expert", "level"),
    ("hours: 16", "hours: -1", "hours"),
    ("[ping-station, slow-down-air]", "[ping-station, fly-away]",
     "assignments.mqtt-telemetry.checks"),
])
def test_an_invalid_course_yaml_is_named_and_nothing_is_listed(
    home: Path, tmp_path: Path, capsys, old: str, new: str, field: str  # noqa: ANN001
) -> None:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(DEMO, folder)
    text = (folder / "course.yaml").read_text()
    (folder / "course.yaml").write_text(text.replace(old, new))
    code, out, err = listing(capsys, "--courses-dir", str(folder.parent))
    assert code != 0
    assert out == ""
    assert f"{folder / 'course.yaml'}: {field}: " in err


def test_without_json_it_prints_a_table(home: Path, capsys) -> None:  # noqa: ANN001
    assert main(["course", "list"]) == 0
    out = capsys.readouterr().out
    assert "iot101" in out and "published" in out
