"""`senlab course new | list | validate`: what they write, and how they refuse bad input."""

from __future__ import annotations

from senlab.cli import main


def test_a_new_course_is_scaffolded_and_listed(tmp_path, capsys):
    courses = tmp_path / "courses"
    courses.mkdir()
    assert main(["course", "--courses-dir", str(courses), "new", "sec101",
                 "--title-vi", "An toàn IoT", "--title-en", "IoT security",
                 "--area", "security"]) == 0
    assert (courses / "sec101" / "course.yaml").exists()
    assert main(["course", "--courses-dir", str(courses), "list"]) == 0
    assert "An toàn IoT" in capsys.readouterr().out


def test_a_course_id_that_exists_is_refused(tmp_path, capsys):
    courses = tmp_path / "courses"
    (courses / "sec101").mkdir(parents=True)
    code = main(["course", "--courses-dir", str(courses), "new", "sec101",
                 "--title-vi", "x", "--title-en", "x"])
    assert code == 2
    assert "already exists" in capsys.readouterr().out


def test_validate_needs_one_course_or_all(capsys):
    assert main(["course", "validate"]) == 2
    assert "give one course, or --all" in capsys.readouterr().out
