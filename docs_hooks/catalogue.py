"""The docs site's course catalogue, written at build time from `courses/*/course.yaml`.

`site/catalogue.md` (Vietnamese) and `site/catalogue.en.md` (English) hold the page's
introduction and the line `<!-- catalogue: docs_hooks/catalogue.py -->`; this mkdocs hook
(`hooks:` in mkdocs.yml) puts the catalogue in that line's place on every build, so a new
course folder appears on the next build with nothing to run by hand.

The courses and labs are read with the loaders SenLab itself runs on: `list_courses`
(every `courses/<id>/course.yaml`, as `senlab course` lists them), `lab_problems` and
`completion_rule` (the assignments' labs, their listed checks and the completion rule the
progress service applies) and `load_labs` (every `labs/<lab>/lab.yaml`, as the fleet reads
them). So the catalogue says what the product does, and a file the product would refuse
fails the docs build with the product's own error: the file, the field and the reason.

What the catalogue shows: a table of every course; the courses grouped by area (the
`area` of course.yaml, in the order of `senlab.courses.model.Area`) and, within an area,
ordered by level (beginner, intermediate, advanced), then id; for each course its title in
the page's language, id, level, hours, prerequisites (linked to their course), competencies
as course.yaml writes them, its assignments with their lab and the checks each lists, and
the completion rule; then every lab with its devices and its checks by title. A lab's
faults are not shown: the labs inject them unannounced, for the trainee to find.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from lab_devices.labs.labfile import LabFileError, LabSpec, load_labs
from senlab.courses.completion import CompletionRule
from senlab.courses.labs import completion_rule, lab_problems
from senlab.courses.model import Area, Course, CourseError, Level, list_courses
from senlab.i18n import format_number, format_percent_value

MARKER = "<!-- catalogue: docs_hooks/catalogue.py -->"
LANGUAGES = ("vi", "en")

AREA_NAMES = {
    "vi": {Area.iot: "IoT", Area.five_g: "5G", Area.security: "An toàn thông tin",
           Area.operations: "Vận hành và xử lý sự cố"},
    "en": {Area.iot: "IoT", Area.five_g: "5G", Area.security: "Security",
           Area.operations: "Operations and troubleshooting"},
}
# "sơ cấp" and "trung cấp" name levels of the national vocational training system (Luật
# Giáo dục nghề nghiệp 2014): a platform course does not use them.
LEVEL_NAMES = {
    "vi": {Level.beginner: "cơ bản", Level.intermediate: "nâng cao",
           Level.advanced: "chuyên sâu"},
    "en": {Level.beginner: "beginner", Level.intermediate: "intermediate",
           Level.advanced: "advanced"},
}
LEVEL_ORDER = {level: rank for rank, level in enumerate(Level)}
AREA_ORDER = {area: rank for rank, area in enumerate(Area)}

TEXT = {
    "vi": {
        "course": "khóa học", "id": "mã", "area": "lĩnh vực", "level": "trình độ",
        "hours": "thời lượng", "duration": "Thời lượng", "assignments": "bài tập",
        "hours_value": "{n} giờ", "hours_value_one": "{n} giờ",
        "course_id": "Mã khóa học", "prerequisites": "Học trước", "none": "không có",
        "not_offered": "chưa có trong danh mục",
        "competencies": "Năng lực đạt được", "assignments_heading": "Bài tập",
        "lab": "bài thực hành", "no_lab": "không dùng bài thực hành",
        "checks": "bước kiểm tra phải qua", "pass_mark": "điểm đạt",
        "optional": "không bắt buộc",
        "completion": "Hoàn thành khóa học",
        "completion_all": "đạt mọi bài tập",
        "completion_some": "đạt các bài tập {ids}",
        "completion_checks": "qua mọi bước kiểm tra mà các bài tập đó liệt kê",
        "completion_average": "điểm trung bình của mọi bài tập từ {mark} trở lên",
        "labs_heading": "Bài thực hành",
        "labs_intro": "Mọi bài thực hành trong `labs/`, với thiết bị, các bước kiểm tra và "
                      "các khóa học dùng bài đó. Mô hình thiết bị được mô tả ở "
                      "[Thiết bị mô phỏng](devices.md) và "
                      "[Thiết bị và bài thực hành 5G](devices-5g.md).",
        "lab_id": "Mã bài thực hành", "devices": "Thiết bị", "device": "thiết bị",
        "model": "mô hình", "lab_checks": "Bước kiểm tra", "check": "bước kiểm tra",
        "no_checks": "Bài này chưa có bước kiểm tra.",
        "used_by": "Dùng trong", "unused": "chưa có khóa học nào",
        "by_assignment": "bài tập {ids}",
    },
    "en": {
        "course": "course", "id": "id", "area": "area", "level": "level",
        "hours": "hours", "duration": "Duration", "assignments": "assignments",
        "hours_value": "{n} hours", "hours_value_one": "{n} hour",
        "course_id": "Course id", "prerequisites": "Prerequisites", "none": "none",
        "not_offered": "not in the catalogue yet",
        "competencies": "Competencies", "assignments_heading": "Assignments",
        "lab": "lab", "no_lab": "no lab",
        "checks": "lab checks to pass", "pass_mark": "pass mark",
        "optional": "optional",
        "completion": "Completing the course",
        "completion_all": "pass every assignment",
        "completion_some": "pass the assignments {ids}",
        "completion_checks": "pass every lab check those assignments list",
        "completion_average": "average at least {mark} over all the assignments",
        "labs_heading": "Labs",
        "labs_intro": "Every lab in `labs/`, with its devices, its checks and the courses "
                      "that use it. The device models are described in "
                      "[Emulated devices](devices.md) and "
                      "[5G devices and labs](devices-5g.md).",
        "lab_id": "Lab id", "devices": "Devices", "device": "device",
        "model": "model", "lab_checks": "Lab checks", "check": "lab check",
        "no_checks": "This lab has no checks yet.",
        "used_by": "Used in", "unused": "no course yet",
        "by_assignment": "assignments {ids}",
    },
}


@dataclass(frozen=True)
class Entry:
    """One course as the product runs it: its course.yaml and its completion rule."""

    course: Course
    rule: CompletionRule


@dataclass(frozen=True)
class Catalogue:
    entries: list[Entry]
    labs: dict[str, LabSpec]


def _shown(path: Path | str, root: Path) -> str:
    """`path` relative to the repository when it is inside it, as a reader finds it."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive
        return str(path)


def load_catalogue(root: Path) -> Catalogue:
    """Every course under `root/courses` and every lab under `root/labs`, checked as the
    product checks them; CourseError or LabFileError on the first file it would refuse."""
    root = Path(root)
    courses_dir, labs_dir = root / "courses", root / "labs"
    labs = load_labs(labs_dir)  # first: a bad lab file is named itself, not by a course
    entries = []
    for course in list_courses(courses_dir):
        course_yaml = courses_dir / course.id / "course.yaml"
        problems = lab_problems(course, labs_dir)
        if problems:
            raise CourseError(course_yaml, *problems[0])
        entries.append(Entry(course, completion_rule(course, labs_dir, course_yaml)))
    return Catalogue(entries, labs)


def _md(text: str) -> str:
    """Plain text as Markdown that shows it as written (also inside a table cell)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]{}#|!])", r"\\\1", " ".join(text.split()))


def _code(text: str) -> str:
    return f"`{text}`"


def _hours(hours: float, lang: str) -> str:
    key = "hours_value_one" if hours == 1 else "hours_value"
    return TEXT[lang][key].format(n=format_number(hours, lang))


def course_anchor(course_id: str) -> str:
    return f"course-{course_id}"


def lab_anchor(lab_id: str) -> str:
    return f"lab-{lab_id}"


def _ordered(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (AREA_ORDER[e.course.area],
                                          LEVEL_ORDER[e.course.level], e.course.id))


def render(catalogue: Catalogue, lang: str) -> str:
    """The catalogue in `lang` ("vi" or "en") as Markdown, to stand in for MARKER."""
    if lang not in LANGUAGES:
        raise ValueError(f"catalogue: language {lang!r}; offered: {', '.join(LANGUAGES)}")
    entries = _ordered(catalogue.entries)
    lines = _summary(entries, lang)
    for area in Area:
        in_area = [e for e in entries if e.course.area == area]
        if in_area:
            lines += ["", f"## {AREA_NAMES[lang][area]} {{#area-{area.value}}}"]
            for entry in in_area:
                lines += _course(entry, catalogue, lang)
    lines += _labs(catalogue, lang)
    return "\n".join(lines) + "\n"


def _summary(entries: list[Entry], lang: str) -> list[str]:
    t = TEXT[lang]
    lines = [f"| {t['course']} | {t['id']} | {t['area']} | {t['level']} | {t['hours']} "
             f"| {t['assignments']} |", "| --- | --- | --- | --- | --- | --- |"]
    for e in entries:
        c = e.course
        title = getattr(c.title, lang)
        lines.append(f"| [{_md(title)}](#{course_anchor(c.id)}) | {_code(c.id)} "
                     f"| {AREA_NAMES[lang][c.area]} | {LEVEL_NAMES[lang][c.level]} "
                     f"| {_hours(c.hours, lang)} | {len(c.assignments)} |")
    return lines


def _course(entry: Entry, catalogue: Catalogue, lang: str) -> list[str]:
    t, c = TEXT[lang], entry.course
    known = {e.course.id: e.course for e in catalogue.entries}
    prerequisites = [
        f"[{_md(getattr(known[p].title, lang))}](#{course_anchor(p)}) ({_code(p)})"
        if p in known else f"{_code(p)} ({t['not_offered']})"
        for p in c.prerequisites]
    level = LEVEL_NAMES[lang][c.level]
    if level != c.level.value:
        level += f" ({_code(c.level.value)})"
    lines = [
        "", f"### {_md(getattr(c.title, lang))} {{#{course_anchor(c.id)}}}", "",
        f"- **{t['course_id']}:** {_code(c.id)}",
        f"- **{t['level'].capitalize()}:** {level}",
        f"- **{t['duration']}:** {_hours(c.hours, lang)}",
        f"- **{t['prerequisites']}:** {', '.join(prerequisites) or t['none']}",
        "", f"**{t['competencies']}**", "",
    ]
    lines += [f"- {_md(competency)}" for competency in c.competencies]
    lines += ["", f"**{t['assignments_heading']}**", ""]
    for number, assignment in enumerate(c.assignments, start=1):
        lines += _assignment(number, assignment.id, entry, catalogue, lang)
    lines += ["", f"**{t['completion']}:** {_completion(entry.rule, lang)}."]
    return lines


def _assignment(number: int, assignment_id: str, entry: Entry, catalogue: Catalogue,
                lang: str) -> list[str]:
    t, c, rule = TEXT[lang], entry.course, entry.rule
    a = c.assignment(assignment_id)
    if a.lab:
        lab = catalogue.labs[a.lab]
        where = f"{t['lab']} [{_md(getattr(lab.title, lang))}](#{lab_anchor(a.lab)})"
    else:
        where = t["no_lab"]
    parts = [where, f"{t['pass_mark']} {format_percent_value(rule.pass_marks[a.id], lang)}"]
    if a.id not in rule.required:
        parts.append(t["optional"])
    lines = [f"{number}. **{_md(getattr(a.title, lang))}** ({_code(a.id)}): "
             f"{'; '.join(parts)}"]
    listed = [check for check in rule.checks if check.assignment == a.id]
    if listed:
        lines.append(f"    - {t['checks']}:")
        lines += [f"        - {_md(getattr(check.title, lang))} ({_code(check.check)})"
                  for check in listed]
    return lines


def _completion(rule: CompletionRule, lang: str) -> str:
    t = TEXT[lang]
    everything = set(rule.required) == set(rule.pass_marks)
    parts = [t["completion_all"] if everything else
             t["completion_some"].format(ids=", ".join(_code(a) for a in rule.required))]
    if rule.required_checks():
        parts.append(t["completion_checks"])
    if rule.min_average > 0:
        parts.append(t["completion_average"].format(
            mark=format_percent_value(rule.min_average, lang)))
    return "; ".join(parts)


def _labs(catalogue: Catalogue, lang: str) -> list[str]:
    t = TEXT[lang]
    lines = ["", f"## {t['labs_heading']} {{#labs}}", "", t["labs_intro"]]
    for lab_id, lab in sorted(catalogue.labs.items()):
        lines += ["", f"### {_md(getattr(lab.title, lang))} {{#{lab_anchor(lab_id)}}}", "",
                  f"**{t['lab_id']}:** {_code(lab_id)}", "",
                  _md(getattr(lab.summary, lang)), "",
                  f"**{t['devices']}**", "",
                  f"| {t['device']} | {t['model']} |", "| --- | --- |"]
        lines += [f"| {_code(d.id)} | {_code(d.model)} |" for d in lab.devices]
        lines += ["", f"**{t['lab_checks']}**", ""]
        if lab.checks:
            lines += [f"| {t['check']} | {t['id']} |", "| --- | --- |"]
            lines += [f"| {_md(getattr(check.title, lang))} | {_code(check.id)} |"
                      for check in lab.checks]
        else:
            lines.append(t["no_checks"])
        lines += ["", f"**{t['used_by']}:** {_users(lab_id, catalogue, lang)}"]
    return lines


def _users(lab_id: str, catalogue: Catalogue, lang: str) -> str:
    t = TEXT[lang]
    users = []
    for entry in _ordered(catalogue.entries):
        ids = [a.id for a in entry.course.assignments if a.lab == lab_id]
        if ids:
            title = _md(getattr(entry.course.title, lang))
            which = t["by_assignment"].format(ids=", ".join(_code(i) for i in ids))
            users.append(f"[{title}](#{course_anchor(entry.course.id)}) ({which})")
    return "; ".join(users) if users else t["unused"]


def catalogue_markdown(root: Path, lang: str) -> str:
    """The catalogue of the repository at `root`; PluginError naming the file it refused."""
    try:
        return render(load_catalogue(root), lang)
    except CourseError as error:
        raise PluginError(f"course catalogue: {_shown(error.file, root)}: {error.where}: "
                          f"{error.reason}") from None
    except LabFileError as error:
        problems = "; ".join(f"{field or '(file)'}: {reason}"
                             for field, reason in error.problems)
        raise PluginError(f"course catalogue: {_shown(error.path, root)}: {problems}") from None


def page_language(page: Any) -> str:
    """The language of a page: the i18n plugin's locale, else its file's suffix."""
    locale = getattr(page.file, "locale", None)
    if locale in LANGUAGES:
        return str(locale)
    return "en" if page.file.src_uri.endswith(".en.md") else "vi"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """mkdocs hook: a page holding MARKER gets the catalogue in its language there."""
    if MARKER not in markdown:
        return markdown
    root = Path(config.config_file_path).resolve().parent
    return markdown.replace(MARKER, catalogue_markdown(root, page_language(page)))


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """mkdocs hook: `mkdocs serve` rebuilds when a course or a lab file changes."""
    root = Path(config.config_file_path).resolve().parent
    for folder in (root / "courses", root / "labs"):
        if folder.is_dir():
            server.watch(str(folder))
    return server
