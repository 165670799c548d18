"""senlab.i18n: the catalogues against the code, the choice of language, and numbers, dates
and counts of people as each language writes them."""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import write_po

from senlab import i18n
from senlab.i18n import (
    LanguageError,
    format_date,
    format_number,
    format_people,
    format_percent_value,
    from_accept_language,
    parse_accept_language,
    placeholders,
    resolve,
    translator,
)
from senlab.i18n.catalogues import (
    check_all,
    check_catalogue,
    extract_messages,
    load,
)

VI_PO = i18n.catalogue_path("vi")
NO_LOCALE: dict[str, str] = {}


# --- The catalogues against the code (what `make test` enforces) ---------------------------

def test_every_message_the_code_uses_is_translated_and_no_entry_is_unused() -> None:
    problems = check_all()
    assert problems == [], "\n".join(str(p) for p in problems)


def test_the_extractor_finds_the_commands_the_helper_and_the_lab_helper() -> None:
    found = extract_messages()
    where = {place.split(":")[0] for places in found.values() for place in places}
    assert {"cli.py", "lab.py", "commands/accounts.py", "commands/courses.py",
            "commands/progress.py"} <= where
    assert ("{n} person", "{n} people") in found  # ngettext: singular and plural together


def _catalogue_without(tmp_path: Path, msgid: str) -> Path:
    catalog = load(VI_PO, "vi")
    del catalog[msgid]
    path = tmp_path / "senlab.po"
    with open(path, "wb") as handle:
        write_po(handle, catalog)
    return path


def test_the_check_fails_on_a_catalogue_missing_one_message(tmp_path: Path) -> None:
    path = _catalogue_without(tmp_path, "Stopped.")
    problems = check_catalogue(load(path, "vi"), extract_messages(), require_translation=True)
    assert [(p.message, p.what) for p in problems] == [("Stopped.",
                                                        "missing from the catalogue")]


def _edited(tmp_path: Path, msgid: str, **change: object) -> list[str]:
    catalog = load(VI_PO, "vi")
    message = catalog[msgid]
    for name, value in change.items():
        setattr(message, name, value)
    path = tmp_path / "senlab.po"
    with open(path, "wb") as handle:
        write_po(handle, catalog)
    problems = check_catalogue(load(path, "vi"), extract_messages(), require_translation=True)
    return [f"{p.message}: {p.what}" for p in problems]


def test_the_check_fails_on_an_empty_vietnamese_message(tmp_path: Path) -> None:
    assert _edited(tmp_path, "Stopped.", string="") == ["Stopped.: not translated"]


def test_the_check_fails_on_a_fuzzy_vietnamese_message(tmp_path: Path) -> None:
    catalog = load(VI_PO, "vi")
    catalog["Stopped."].flags.add("fuzzy")
    path = tmp_path / "senlab.po"
    with open(path, "wb") as handle:
        write_po(handle, catalog)
    problems = check_catalogue(load(path, "vi"), extract_messages(), require_translation=True)
    assert [f"{p.message}: {p.what}" for p in problems] == ["Stopped.: fuzzy"]


def test_the_check_fails_when_a_translation_renames_a_field(tmp_path: Path) -> None:
    said = _edited(tmp_path, "Course {course}: completed",
                   string="Khóa học {khoa}: đã hoàn thành")
    assert said == ["Course {course}: completed: fields ['khoa'] in the translation, "
                    "['course'] in the msgid"]


def test_the_check_fails_when_a_translation_drops_a_percent_field_or_the_new_line(
        tmp_path: Path) -> None:
    # argparse's messages keep argparse's %-style fields and its final new line.
    msgid = "%(prog)s: error: %(message)s\n"
    assert _edited(tmp_path, msgid, string="lỗi: %(message)s\n") == [
        f"{msgid}: %-fields ['message'] in the translation, ['message', 'prog'] in the msgid"]
    assert _edited(tmp_path, msgid, string="%(prog)s: lỗi: %(message)s") == [
        f"{msgid}: the msgid and the translation differ in ending with a new line"]


def test_the_check_fails_on_an_entry_no_code_uses(tmp_path: Path) -> None:
    catalog = load(VI_PO, "vi")
    catalog.add("A message nobody prints", "Một thông báo không ai in ra")
    path = tmp_path / "senlab.po"
    with open(path, "wb") as handle:
        write_po(handle, catalog)
    problems = check_catalogue(load(path, "vi"), extract_messages(), require_translation=True)
    assert [(p.message, p.what) for p in problems] == [
        ("A message nobody prints", "in the catalogue but no code uses it (obsolete)")]


def test_a_new_message_in_the_code_fails_until_it_is_in_the_catalogue(tmp_path: Path) -> None:
    source = tmp_path / "senlab"
    shutil.copytree(Path(i18n.__file__).parents[1], source,
                    ignore=shutil.ignore_patterns("__pycache__", "locale"))
    (source / "new_module.py").write_text('def hello(_):\n    return _("Hello {name}")\n')
    problems = check_catalogue(load(VI_PO, "vi"), extract_messages(source),
                               require_translation=True)
    assert [(p.message, p.what) for p in problems] == [("Hello {name}",
                                                        "missing from the catalogue")]


def test_english_may_be_left_empty_and_then_speaks_the_msgid() -> None:
    assert translator("en")("Stopped.") == "Stopped."
    assert translator("vi")("Stopped.") == "Đã dừng."


def test_placeholders_are_the_names_of_the_fields() -> None:
    assert placeholders("{course}: {count} problem(s)") == {"course", "count"}
    assert placeholders("{size:,} bytes, {{literal}}") == {"size"}
    assert placeholders("no fields") == set()


def test_messages_take_their_fields_by_name_in_either_language() -> None:
    assert translator("vi")("Course {course}: completed", course="iot101") == (
        "Khóa học iot101: đã hoàn thành")
    assert translator("en")("Course {course}: completed", course="iot101") == (
        "Course iot101: completed")
    with pytest.raises(KeyError, match="course"):
        translator("vi")("Course {course}: completed", lesson="iot101")


def test_the_vietnamese_catalogue_uses_the_glossary_terms() -> None:
    _ = translator("vi")
    assert _("Check") == "Bước kiểm tra"  # a lab check: bước kiểm tra, never bài kiểm tra
    assert "bài kiểm tra" not in VI_PO.read_text(encoding="utf-8")
    assert "chứng chỉ" not in VI_PO.read_text(encoding="utf-8")
    # Whole words: "thoát" holds the letters of "hoá" but is another word.
    for wrong in ("khoá", "hoá", "xoá", "tỉ lệ", "phòng thí nghiệm", "tin nhắn"):
        assert not re.search(rf"\b{wrong}\b", VI_PO.read_text(encoding="utf-8")), wrong
    assert re.search(r"\bxóa\b", VI_PO.read_text(encoding="utf-8"))  # the check can match
    assert _("trainee") == "học viên" and _("instructor") == "giảng viên"


# --- Which language ------------------------------------------------------------------------

def test_a_chosen_language_comes_first() -> None:
    assert resolve("en", accept_language="vi", environ={"LANG": "vi_VN.UTF-8"}) == "en"
    assert resolve("vi-VN", environ={"LANG": "en_US.UTF-8"}) == "vi"


def test_a_remembered_choice_comes_before_the_browser_and_the_locale() -> None:
    assert resolve(remembered="en", accept_language="vi", environ={"LANG": "vi_VN"}) == "en"
    assert resolve("vi", remembered="en", environ=NO_LOCALE) == "vi"  # chosen now wins
    # A remembered language no longer offered is skipped: the browser's then decides.
    assert resolve(remembered="fr", accept_language="en", environ=NO_LOCALE) == "en"


def test_a_language_nobody_offers_is_named_where_it_was_chosen(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(LanguageError) as caught:
        resolve("fr", where="--lang", environ=NO_LOCALE)
    assert str(caught.value) == "--lang: language 'fr' is not offered; offered: vi, en"


def test_the_error_is_in_vietnamese_where_the_locale_names_no_language(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    with pytest.raises(LanguageError) as caught:
        resolve("fr", where="--lang")
    assert str(caught.value) == ("--lang: không hỗ trợ ngôn ngữ 'fr'; "
                                 "các ngôn ngữ hỗ trợ: vi, en")


def test_accept_language_is_read_by_weight() -> None:
    # Weights: fr-CH 1 (no q), fr 0.9, en 0.8, vi 0.7; SenLab offers vi and en, so fr-CH and
    # fr are skipped and en (0.8) beats vi (0.7).
    header = "fr-CH, fr;q=0.9, en;q=0.8, vi;q=0.7"
    assert parse_accept_language(header) == [("fr-ch", 1.0), ("fr", 0.9), ("en", 0.8),
                                             ("vi", 0.7)]
    assert resolve(accept_language=header, environ=NO_LOCALE) == "en"
    assert resolve(accept_language="vi-VN,vi;q=0.9,en-US;q=0.8", environ=NO_LOCALE) == "vi"


def test_equal_weights_keep_the_header_order() -> None:
    assert from_accept_language("en;q=0.5, vi;q=0.5") == "en"
    assert from_accept_language("vi;q=0.5, en;q=0.5") == "vi"


def test_q_zero_refuses_a_language_and_star_takes_any_other() -> None:
    assert from_accept_language("*;q=0.5, vi;q=0") == "en"
    assert from_accept_language("en;q=0") is None
    assert from_accept_language("de, *;q=0.1") == "vi"  # * is any offered, vi first


def test_malformed_ranges_and_weights_are_ignored() -> None:
    # q=2 is above 1 and q=0.1234 has four decimals (at most three): both ranges dropped.
    assert parse_accept_language("en;q=2, vi;q=0.1234, ;q=0.5, en-GB;q=0.3") == [
        ("en-gb", 0.3)]
    assert parse_accept_language("") == [] and parse_accept_language(None) == []


def test_a_language_only_in_accept_language_is_skipped_not_an_error() -> None:
    assert resolve(accept_language="fr, de;q=0.5", environ={"LANG": "en_GB.UTF-8"}) == "en"
    assert resolve(accept_language="fr", environ=NO_LOCALE) == "vi"


def test_the_locale_variables_in_gettext_order() -> None:
    assert resolve(environ={"LANG": "en_US.UTF-8"}) == "en"
    assert resolve(environ={"LANG": "vi_VN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}) == "en"
    assert resolve(environ={"LC_ALL": "vi_VN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}) == "vi"
    assert resolve(environ={"LC_ALL": "", "LANG": "en_US.UTF-8"}) == "en"  # empty: ignored
    # LC_ALL decides when set: a French one leaves the choice to the default, not to LANG.
    assert resolve(environ={"LC_ALL": "fr_FR.UTF-8", "LANG": "en_US.UTF-8"}) == "vi"


def test_no_language_anywhere_is_vietnamese() -> None:
    assert resolve(environ=NO_LOCALE) == "vi"
    assert resolve(environ={"LANG": "C.UTF-8"}) == "vi"
    assert resolve(environ={"LANG": "POSIX"}) == "vi"


def test_a_translator_for_a_language_not_offered_is_refused() -> None:
    with pytest.raises(LanguageError, match="'fr'"):
        translator("fr")


# --- Numbers, dates, people ----------------------------------------------------------------

def test_numbers_have_the_languages_separators() -> None:
    assert (format_number(64.52, "vi"), format_number(64.52, "en")) == ("64,52", "64.52")
    assert (format_number(1000, "vi"), format_number(1000, "en")) == ("1.000", "1,000")
    assert format_number(1234567.5, "vi") == "1.234.567,5"


def test_percent_with_no_space_in_vietnamese() -> None:
    # 64.52 % is the fraction 0.6452; the glossary and CLDR's vi pattern (#,##0%) write no
    # space before the sign.
    assert format_percent_value(64.52, "vi") == "64,52%"
    assert format_percent_value(64.52, "en") == "64.52%"
    assert format_percent_value(70, "vi") == "70%"


def test_dates_are_day_month_year_in_vietnamese() -> None:
    assert format_date(datetime.date(2026, 12, 2), "vi") == "02/12/2026"
    assert format_date(datetime.date(2026, 12, 2), "en") == "2 Dec 2026"


def test_a_count_of_people_is_whole_with_its_unit() -> None:
    # 159.08 rounds to 159; 0.5 rounds up (halves up), so 158.5 is 159 too.
    assert format_people(159.08, "vi") == "159 người"
    assert format_people(158.5, "en") == "159 people"
    assert format_people(1, "en") == "1 person"
    assert format_people(1000, "vi") == "1.000 người"


def test_a_bilingual_text_is_picked_in_the_language_with_the_other_as_fallback() -> None:
    title = {"vi": "Làm chậm trạm", "en": "Slow the station"}
    assert translator("vi").pick(title) == "Làm chậm trạm"
    assert translator("en").pick(title) == "Slow the station"
    assert translator("en").pick({"vi": "chỉ có tiếng Việt"}) == "chỉ có tiếng Việt"
    assert translator("vi").pick(None) == "" and translator("vi").pick("plain") == "plain"
