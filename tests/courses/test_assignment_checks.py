"""An assignment's `checks:` in course.yaml: optional, need a lab, and must name checks
of that lab; a wrong one is named by file, field and id before anything runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from senlab.courses import CourseError, load_course
from senlab.grading.validate import validate_course
from senlab.settings import REPO_ROOT, Settings

DEMO = REPO_ROOT / "courses" / "iot101"


def demo_copy(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "courses" / "iot101"
    shutil.copytree(DEMO, folder)
    text = (folder / "course.yaml").read_text()
    assert old in text
    (folder / "course.yaml").write_text(text.replace(old, new))
    return folder


def test_the_demo_assignment_lists_the_checks_its_solution_must_pass() -> None:
    assignment = load_course(DEMO).assignment("mqtt-telemetry")
    assert assignment.checks == ["ping-station", "slow-down-air"]


def test_checks_are_optional(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path, "    checks: [ping-station, slow-down-air]\n", "")
    assert load_course(folder).assignment("mqtt-telemetry").checks == []


def test_checks_without_a_lab_are_refused(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path, "lab: iot101-sensors", "lab: null")
    with pytest.raises(CourseError) as caught:
        load_course(folder)
    assert caught.value.where == "assignments.mqtt-telemetry.checks"
    assert "this assignment has none" in caught.value.reason


def test_a_check_listed_twice_is_refused(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path, "[ping-station, slow-down-air]", "[ping-station, ping-station]")
    with pytest.raises(CourseError, match="listed more than once: ping-station"):
        load_course(folder)


def test_an_unknown_check_is_named_with_the_file_the_field_and_the_id(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path, "[ping-station, slow-down-air]", "[ping-station, fly-away]")

    [problem] = validate_course(Settings(home=tmp_path / "home"), folder)

    assert problem.file == str(folder / "course.yaml")
    assert problem.cell == "assignments.mqtt-telemetry.checks"
    assert problem.reason.startswith("unknown check 'fly-away': labs/iot101-sensors/lab.yaml")
    assert "ping-station" in problem.reason  # the checks it could have named


def test_the_command_line_shows_the_unknown_check_in_its_problem_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from senlab.cli import main

    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    folder = demo_copy(tmp_path, "[ping-station, slow-down-air]", "[ping-station, fly-away]")

    code = main(["course", "--courses-dir", str(folder.parent), "validate", "iot101"])

    out = capsys.readouterr().out
    assert code == 1
    assert "iot101: 1 problem(s)" in out and "fly-away" in out
