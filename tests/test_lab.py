"""`lab.check()`'s table (senlab.lab.CheckTable) in the trainee's language: the checks'
titles, marks that every font shows, the failing check's message as text, and per course
what remains; as HTML in a notebook and as text in a terminal."""

from __future__ import annotations

import pytest

from senlab.i18n import LanguageError
from senlab.lab import CheckTable, language

LAB = "iot101-sensors"
PING = {"vi": "Gửi lệnh ping tới trạm không khí", "en": "Send a ping to the air station"}
SLOW = {"vi": "Làm chậm trạm không khí", "en": "Slow down the air station"}


def table(lang: str | None = None) -> CheckTable:
    return CheckTable(lab=LAB, lang=lang, checks=[
        {"id": "ping-station", "title": PING, "passed": True, "message": None},
        {"id": "slow-down-air", "title": SLOW, "passed": False,
         "message": {"vi": "Chu kỳ gửi chưa phải 10 giây", "en": "not every 10 s yet"}}],
        remaining=[{"course": "iot101", "completed": False,
                    "checks": [{"id": "slow-down-air", "title": SLOW}]}])


@pytest.fixture(autouse=True)
def no_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SENLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_the_text_table_in_vietnamese() -> None:
    # "[CHƯA ĐẠT]" is 10 characters: "[ĐẠT]" (5) gets 5 + 1 spaces; the message 2 + 10 + 1.
    assert str(table("vi")).splitlines() == [
        "iot101-sensors: đạt 1/2 bước kiểm tra (check)",
        "  [ĐẠT]      Gửi lệnh ping tới trạm không khí (ping-station)",
        "  [CHƯA ĐẠT] Làm chậm trạm không khí (slow-down-air)",
        "             Chu kỳ gửi chưa phải 10 giây",
        "Khóa học iot101: còn 1 bước kiểm tra phải đạt: Làm chậm trạm không khí (slow-down-air)",
    ]


def test_the_text_table_in_english() -> None:
    # Marks are padded to the longest bracketed one, "[NOT YET]" (9 characters), then one
    # space: "[PASS]" (6) gets 3 + 1 spaces; the message is indented 2 + 9 + 1 = 12.
    assert str(table("en")).splitlines() == [
        "iot101-sensors: 1/2 checks pass",
        "  [PASS]    Send a ping to the air station (ping-station)",
        "  [NOT YET] Slow down the air station (slow-down-air)",
        "            not every 10 s yet",
        "Course iot101: 1 check still to pass: Slow down the air station (slow-down-air)",
    ]


def test_no_dict_and_no_symbol_a_font_may_lack() -> None:
    for lang in ("vi", "en"):
        shown = str(table(lang)) + table(lang)._repr_html_()
        for absent in ("{'vi'", "'en':", "✔", "✘", "✅", "❌"):
            assert absent not in shown, (lang, absent)


def test_the_html_table_has_a_row_per_check_with_its_title_and_message() -> None:
    page = table("vi")._repr_html_()
    assert page.count("<tr>") == 3  # the head and two checks
    assert "<th>Kết quả</th><th>Bước kiểm tra</th><th>Chi tiết</th>" in page
    assert "ĐẠT</td><td>Gửi lệnh ping tới trạm không khí (ping-station)</td><td></td>" in page
    assert ("CHƯA ĐẠT</td><td>Làm chậm trạm không khí (slow-down-air)</td>"
            "<td>Chu kỳ gửi chưa phải 10 giây</td>") in page
    assert "<li>Khóa học iot101: còn 1 bước kiểm tra phải đạt" in page


def test_the_html_escapes_what_the_lab_file_says() -> None:
    page = CheckTable(lab=LAB, lang="en", checks=[
        {"id": "x", "title": {"en": "<b>bold</b>"}, "passed": False,
         "message": {"en": "a < b & c"}}])._repr_html_()
    assert "&lt;b&gt;bold&lt;/b&gt; (x)" in page and "a &lt; b &amp; c" in page


def test_each_course_says_what_remains() -> None:
    courses = CheckTable(lab=LAB, lang="vi", checks=[], remaining=[
        {"course": "iot101", "completed": False, "checks": []},
        {"course": "iot102", "completed": True, "checks": []},
        {"course": "iot103", "completed": False,
         "checks": [{"id": "a", "title": PING}, {"id": "b", "title": SLOW}]}]).courses()
    assert courses == [
        "Khóa học iot101: đã đạt mọi bước kiểm tra khóa học yêu cầu",
        "Khóa học iot102: đã hoàn thành",
        "Khóa học iot103: còn 2 bước kiểm tra phải đạt: "
        "Gửi lệnh ping tới trạm không khí (a); Làm chậm trạm không khí (b)"]
    english = CheckTable(lab=LAB, lang="en", checks=[], remaining=[
        {"course": "iot103", "completed": False,
         "checks": [{"id": "a", "title": PING}, {"id": "b", "title": SLOW}]}]).courses()
    assert english == ["Course iot103: 2 checks still to pass: "
                       "Send a ping to the air station (a); Slow down the air station (b)"]
    assert table().left_for("iot101") == ["slow-down-air"]


def test_a_check_without_a_title_shows_its_id_and_a_title_in_one_language_is_used() -> None:
    rows = CheckTable(lab=LAB, lang="en", checks=[
        {"id": "bare", "passed": True},
        {"id": "vi-only", "title": {"vi": "Chỉ tiếng Việt"}, "passed": True}]).rows()
    assert [name for _passed, _mark, name, _message in rows] == [
        "bare", "Chỉ tiếng Việt (vi-only)"]


def test_the_language_is_senlab_lang_then_the_locale_then_vietnamese(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert language() == "vi"
    assert str(table()).startswith("iot101-sensors: đạt 1/2")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert language() == "en" and str(table()).startswith("iot101-sensors: 1/2 checks pass")
    monkeypatch.setenv("SENLAB_LANG", "vi")
    assert language() == "vi"


def test_a_senlab_lang_not_offered_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("SENLAB_LANG", "fr")
    with pytest.raises(LanguageError) as caught:
        str(table())
    assert str(caught.value) == "SENLAB_LANG: language 'fr' is not offered; offered: vi, en"
