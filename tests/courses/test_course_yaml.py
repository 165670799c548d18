"""course.yaml: good files load; bad ones fail naming the file, the field and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from senlab.courses import CourseError, list_courses, load_course
from senlab.courses.scaffold import new_course
from senlab.settings import REPO_ROOT

GOOD = {
    "id": "net201",
    "title": {"vi": "Mạng 5G riêng", "en": "Private 5G networks"},
    "area": "5g",
    "level": "intermediate",
    "hours": 24,
    "prerequisites": ["iot101"],
    "competencies": ["Read RSRP and SINR"],
    "assignments": [
        {"id": "coverage", "title": {"vi": "Vùng phủ", "en": "Coverage"}, "lab": "cell-site"},
        {"id": "slicing", "title": {"vi": "Phân lát", "en": "Slicing"}, "pass_mark": 80},
    ],
    "pass_mark": 60,
    "completion": {"required": ["coverage"], "min_average": 50},
}


def write_course(root: Path, data: dict | str, *, folders: bool = True) -> Path:
    folder = root / (data["id"] if isinstance(data, dict) and "id" in data else "net201")
    folder.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    if folders and isinstance(data, dict):
        for assignment in data.get("assignments", []):
            if isinstance(assignment, dict) and "id" in assignment:
                (folder / "source" / assignment["id"]).mkdir(parents=True, exist_ok=True)
    return folder


def changed(**fields) -> dict:  # noqa: ANN003
    return {**GOOD, **fields}


def test_a_complete_course_loads_with_every_field(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path, GOOD))
    assert course.area.value == "5g"
    assert course.assignment("coverage").lab == "cell-site"
    assert course.title.vi == "Mạng 5G riêng"


def test_the_demo_course_in_the_repository_is_valid() -> None:
    ids = [c.id for c in list_courses(REPO_ROOT / "courses")]
    assert "iot101" in ids


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        (changed(area="radio"), "area", "Input should be 'iot', '5g', 'security' or 'operations'"),
        (changed(level="expert"), "level", "Input should be"),
        (changed(hours=0), "hours", "greater than 0"),
        (changed(pass_mark=120), "pass_mark", "less than or equal to 100"),
        (changed(title={"vi": "Chỉ tiếng Việt"}), "title.en", "Field required"),
        (changed(competencies=[]), "competencies", "at least 1 item"),
        (changed(assignments=[]), "assignments", "at least 1 item"),
        (changed(assignments=[{"id": "Bad Id", "title": GOOD["title"]}]), "assignments.0.id",
         "should match pattern"),
        (changed(prerequisites=["net201"]), "prerequisites", "cannot require itself"),
        (changed(completion={"required": ["nope"]}), "completion.required",
         "unknown assignment(s) nope"),
        (changed(assignments=[GOOD["assignments"][0]] * 2), "assignments",
         "duplicate id(s) coverage"),
        (changed(colour="blue"), "colour", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_field_names_the_file_the_field_and_the_reason(
    tmp_path: Path, data: dict, field: str, reason: str
) -> None:
    folder = write_course(tmp_path, data)
    with pytest.raises(CourseError) as caught:
        load_course(folder)
    assert caught.value.file == str(folder / "course.yaml")
    assert caught.value.where == field
    assert reason in caught.value.reason


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    folder = write_course(tmp_path, "id: net201\ntitle: {vi: x, en: y\n")
    with pytest.raises(CourseError, match=r"course.yaml: line \d+: not valid YAML"):
        load_course(folder)


def test_a_list_instead_of_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match=r"\(top level\): must be a mapping"):
        load_course(write_course(tmp_path, "- id: net201\n"))


def test_an_id_that_differs_from_its_folder_is_refused(tmp_path: Path) -> None:
    folder = write_course(tmp_path, GOOD)
    folder.rename(tmp_path / "net202")
    with pytest.raises(CourseError, match="id: 'net201' differs from its folder 'net202'"):
        load_course(tmp_path / "net202")


def test_an_assignment_without_its_source_folder_is_refused(tmp_path: Path) -> None:
    folder = write_course(tmp_path, GOOD, folders=False)
    with pytest.raises(CourseError, match="assignments.coverage: no folder source/coverage/"):
        load_course(folder)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match=r"course.yaml: \(file\): missing"):
        load_course(tmp_path)


def test_an_assignments_own_pass_mark_overrides_the_courses(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path, GOOD))
    assert course.pass_mark_of("slicing") == 80
    assert course.pass_mark_of("coverage") == 60


def test_an_empty_required_list_is_refused_rather_than_read_as_all(tmp_path: Path) -> None:
    folder = write_course(tmp_path, changed(completion={"required": []}))
    with pytest.raises(CourseError) as caught:
        load_course(folder)
    assert caught.value.where == "completion.required"


def test_a_new_course_scaffold_loads(tmp_path: Path) -> None:
    folder = new_course(tmp_path, "sec101", title_en="OT security", title_vi="An ninh OT",
                        area="security")
    course = load_course(folder)
    assert (course.id, course.area.value) == ("sec101", "security")
    assert (folder / "source" / "assignment-1" / "assignment-1.ipynb").is_file()


def test_a_new_course_with_a_bad_area_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(CourseError, match="area"):
        new_course(tmp_path, "sec101", title_en="x", title_vi="y", area="radio")
    assert not (tmp_path / "sec101").exists()
