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
    out = capsys.readouterr().out
    assert "IoT security" in out and "An toàn IoT" not in out  # the reader's language
    assert main(["course", "--courses-dir", str(courses), "list", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "An toàn IoT" in out and "đã phát hành" in out and "IoT security" not in out


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


def test_validate_refuses_in_vietnamese_too(capsys):
    assert main(["--lang", "vi", "course", "validate"]) == 2
    assert "hãy nêu một khóa học, hoặc dùng --all" in capsys.readouterr().out


def test_a_course_list_writes_hours_with_the_languages_decimal_sign(tmp_path, capsys):
    courses = tmp_path / "courses"
    courses.mkdir()
    assert main(["course", "--courses-dir", str(courses), "new", "sec102", "--hours", "1.5",
                 "--title-vi", "An toàn IoT", "--title-en", "IoT security"]) == 0
    capsys.readouterr()
    assert main(["--lang", "vi", "course", "--courses-dir", str(courses), "list"]) == 0
    assert " 1,5 " in capsys.readouterr().out  # 1.5 hours, decimal comma in vi
    assert main(["--lang", "en", "course", "--courses-dir", str(courses), "list"]) == 0
    assert " 1.5 " in capsys.readouterr().out
