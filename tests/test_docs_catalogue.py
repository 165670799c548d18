"""The docs' course catalogue (docs_hooks/catalogue.py): every course of courses/ in both
languages, as course.yaml and lab.yaml say, and a bad file stops the docs build by name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from docs_hooks import catalogue

REPO = Path(__file__).resolve().parents[1]
HOOK = REPO / "docs_hooks" / "catalogue.py"


def course_yaml(course_id: str, *, area: str = "iot", level: str = "beginner",
                hours: float = 4, prerequisites: tuple[str, ...] = (),
                assignments: list[dict] | None = None, **extra: object) -> dict:
    return {
        "id": course_id,
        "title": {"vi": f"Khóa {course_id}", "en": f"Course {course_id}"},
        "area": area, "level": level, "hours": hours, "prerequisites": list(prerequisites),
        "competencies": ["Đọc dữ liệu đo / Read telemetry"],
        "assignments": assignments or [{
            "id": "a1", "title": {"vi": "Bài một", "en": "Part one"},
            "lab": "iot101-sensors", "checks": ["ping-station"]}],
        "pass_mark": 60, **extra,
    }


def write_course(root: Path, data: dict | str) -> Path:
    """courses/<id>/course.yaml (and the source folders load_course asks for) under root."""
    course_id = data["id"] if isinstance(data, dict) else "bad101"
    folder = root / "courses" / course_id
    for assignment in data.get("assignments", []) if isinstance(data, dict) else []:
        (folder / "source" / assignment["id"]).mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    return folder / "course.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository with the real iot101-sensors lab and no course yet."""
    (tmp_path / "labs").mkdir()
    shutil.copytree(REPO / "labs" / "iot101-sensors", tmp_path / "labs" / "iot101-sensors")
    return tmp_path


def pages(root: Path) -> dict[str, str]:
    return {lang: catalogue.catalogue_markdown(root, lang) for lang in ("vi", "en")}


# -- the real courses ------------------------------------------------------------------

REAL = sorted(REPO.glob("courses/*/course.yaml"))


def hours_text(hours: float, lang: str) -> str:
    """Hours as each language writes them: 2.5 is "2,5 giờ" and "2.5 hours"."""
    number = f"{hours:g}".replace(".", "," if lang == "vi" else ".")
    unit = "giờ" if lang == "vi" else ("hour" if hours == 1 else "hours")
    return f"{number} {unit}"


def test_the_repository_has_courses_to_list():
    assert REAL, "no courses/*/course.yaml found"


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_course_appears_with_its_hours_assignments_and_checks(path, lang):
    page = catalogue.catalogue_markdown(REPO, lang)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    section = page.split(f"{{#course-{data['id']}}}", 1)
    assert len(section) == 2, f"{data['id']}: no section"
    heading_line = section[0].rsplit("\n", 1)[-1]
    assert catalogue._md(data["title"][lang]) in heading_line
    body = section[1].split("\n### ", 1)[0]
    assert f"`{data['id']}`" in body
    assert hours_text(float(data["hours"]), lang) in body
    for assignment in data["assignments"]:
        line = next((line for line in body.splitlines() if f"(`{assignment['id']}`)" in line),
                    None)
        assert line is not None, f"{data['id']}: assignment {assignment['id']} missing"
        assert catalogue._md(assignment["title"][lang]) in line
        if assignment.get("lab"):
            assert f"](#lab-{assignment['lab']})" in line
            lab = yaml.safe_load((REPO / "labs" / assignment["lab"] / "lab.yaml").read_text())
            titles = {check["id"]: check["title"][lang] for check in lab["checks"]}
            for check in assignment.get("checks", []):
                assert f"- {catalogue._md(titles[check])} (`{check}`)" in body


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_lab_has_a_section_with_its_devices_and_checks(lang):
    page = catalogue.catalogue_markdown(REPO, lang)
    for path in sorted(REPO.glob("labs/*/lab.yaml")):
        lab = yaml.safe_load(path.read_text(encoding="utf-8"))
        section = page.split(f"{{#lab-{lab['id']}}}", 1)[1].split("\n### ", 1)[0]
        for device in lab["devices"]:
            assert f"| `{device['id']}` | `{device['model']}` |" in section
        for check in lab.get("checks", []):
            assert f"| {catalogue._md(check['title'][lang])} | `{check['id']}` |" in section


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_link_of_the_catalogue_reaches_a_heading_or_a_page(lang):
    page = catalogue.catalogue_markdown(REPO, lang)
    anchors = set(re.findall(r"\{#([a-z0-9-]+)\}", page))
    links = re.findall(r"\]\(([^)]+)\)", page)
    assert links
    for link in links:
        if link.startswith("#"):
            assert link[1:] in anchors, f"{lang}: link {link} has no heading"
        else:
            assert (REPO / "site" / link.split("#")[0]).is_file(), f"{lang}: no page {link}"


# -- the order, the links and the numbers, on courses made here ------------------------

def test_courses_are_grouped_by_area_then_ordered_by_level_then_id(root):
    write_course(root, course_yaml("zz101", area="iot", level="beginner"))
    write_course(root, course_yaml("aa201", area="iot", level="intermediate"))
    write_course(root, course_yaml("net101", area="5g", level="beginner"))
    page = pages(root)["en"]
    # Areas in the order of senlab.courses.model.Area (iot, then 5g); in an area beginner
    # comes before intermediate although "aa201" sorts before "zz101" by id.
    order = ["{#area-iot}", "{#course-zz101}", "{#course-aa201}", "{#area-5g}",
             "{#course-net101}"]
    positions = [page.index(mark) for mark in order]
    assert positions == sorted(positions)
    assert "{#area-security}" not in page  # an area with no course has no heading


def test_a_prerequisite_links_to_its_course_and_an_absent_one_is_named_unlinked(root):
    write_course(root, course_yaml("env101"))
    write_course(root, course_yaml("env201", level="intermediate",
                                   prerequisites=("env101", "chem101")))
    vi, en = pages(root)["vi"], pages(root)["en"]
    assert "**Học trước:** [Khóa env101](#course-env101) (`env101`), " \
           "`chem101` (chưa có trong danh mục)" in vi
    assert "**Prerequisites:** [Course env101](#course-env101) (`env101`), " \
           "`chem101` (not in the catalogue yet)" in en
    assert "**Prerequisites:** none" in en


def test_hours_pass_marks_and_the_completion_rule_in_each_language(root):
    write_course(root, course_yaml(
        "env201", hours=2.5, assignments=[
            {"id": "a1", "title": {"vi": "Bài một", "en": "Part one"},
             "lab": "iot101-sensors", "checks": ["ping-station", "stuck-pm25"]},
            {"id": "a2", "title": {"vi": "Bài hai", "en": "Part two"}, "pass_mark": 75}],
        completion={"required": ["a1"], "min_average": 50}))
    vi, en = pages(root)["vi"], pages(root)["en"]
    # 2.5 hours: a decimal comma in Vietnamese; a2's own mark 75, a1 the course's 60.
    assert "**Thời lượng:** 2,5 giờ" in vi
    assert "**Duration:** 2.5 hours" in en
    assert ("1. **Bài một** (`a1`): bài thực hành [IoT 101: cảm biến môi trường trong khu "
            "công nghiệp](#lab-iot101-sensors); điểm đạt 60%") in vi
    assert "2. **Part two** (`a2`): no lab; pass mark 75%; optional" in en
    assert "        - Find the stuck PM2.5 sensor and restart the station (`stuck-pm25`)" in en
    assert ("**Completing the course:** pass the assignments `a1`; pass every lab check "
            "those assignments list; average at least 50% over all the assignments.") in en
    assert ("**Hoàn thành khóa học:** đạt các bài tập `a1`; qua mọi bước kiểm tra mà các "
            "bài tập đó liệt kê; điểm trung bình của mọi bài tập từ 50% trở lên.") in vi
    assert "**Used in:** [Course env201](#course-env201) (assignments `a1`)" in en


def test_a_title_with_markdown_characters_is_shown_as_written(root):
    data = course_yaml("env101")
    data["title"]["en"] = "Means *and* [limits] | QCVN_05"
    write_course(root, data)
    assert r"### Means \*and\* \[limits\] \| QCVN\_05 {#course-env101}" in pages(root)["en"]


# -- a file SenLab would refuse stops the build, by name --------------------------------

def site_with_catalogue(root: Path) -> Path:
    """A small mkdocs site under root with the hook and a catalogue page."""
    (root / "site").mkdir()
    (root / "site" / "catalogue.md").write_text(f"# Catalogue\n\n{catalogue.MARKER}\n")
    config = root / "mkdocs.yml"
    config.write_text(yaml.safe_dump({
        "site_name": "t", "docs_dir": "site", "site_dir": "out", "hooks": [str(HOOK)],
        "markdown_extensions": ["attr_list", "tables", "toc"]}))
    return config


def test_the_docs_build_writes_the_catalogue_page(root):
    write_course(root, course_yaml("env101", hours=3))
    build(load_config(str(site_with_catalogue(root))))
    html = (root / "out" / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert 'id="course-env101"' in html
    assert 'href="#lab-iot101-sensors"' in html
    assert "3 giờ" in html  # the default (Vietnamese) page


def build_errors(root: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    """The errors mkdocs reports for a build of root's site that must fail."""
    with pytest.raises(Abort, match="BuildError"):
        build(load_config(str(site_with_catalogue(root))))
    return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


BROKEN = {
    "hours-not-positive": (lambda d: d.update(hours=0),
                           "courses/bad101/course.yaml: hours: Input should be greater than 0"),
    "unknown-check": (lambda d: d["assignments"][0].update(checks=["nope"]),
                      "courses/bad101/course.yaml: assignments.a1.checks: unknown check "
                      "'nope': labs/iot101-sensors/lab.yaml has ping-station"),
    "missing-lab": (lambda d: d["assignments"][0].update(lab="no-such-lab", checks=[]),
                    "courses/bad101/course.yaml: assignments.a1.lab: "
                    "no labs/no-such-lab/lab.yaml"),
    "unknown-area": (lambda d: d.update(area="farming"),
                     "courses/bad101/course.yaml: area: Input should be"),
}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_a_course_that_does_not_load_fails_the_build_naming_file_and_field(root, case, caplog):
    spoil, message = BROKEN[case]
    write_course(root, course_yaml("env101"))
    data = course_yaml("bad101")
    spoil(data)
    write_course(root, data)
    errors = build_errors(root, caplog)
    assert any(e.startswith(f"course catalogue: {message}") for e in errors), errors


def test_a_course_yaml_that_is_not_yaml_fails_the_build_naming_its_line(root, caplog):
    write_course(root, "id: bad101\ntitle: {vi: x\n")
    errors = build_errors(root, caplog)
    assert any(re.match(r"course catalogue: courses/bad101/course\.yaml: line \d+: "
                        r"not valid YAML", e) for e in errors), errors


def test_a_lab_file_that_does_not_load_fails_the_build_naming_file_and_field(root, caplog):
    write_course(root, course_yaml("env101"))
    lab = root / "labs" / "iot101-sensors" / "lab.yaml"
    lab.write_text(lab.read_text().replace("model: air_quality", "model: kettle"))
    errors = build_errors(root, caplog)
    assert any(re.match(r"course catalogue: labs/iot101-sensors/lab\.yaml: devices\.0: "
                        r"unknown model 'kettle'", e) for e in errors), errors


def test_an_unoffered_language_is_refused(root):
    with pytest.raises(ValueError, match="language 'fr'; offered: vi, en"):
        catalogue.render(catalogue.load_catalogue(root), "fr")


# -- the site: both pages, the hook and the nav ----------------------------------------

def nav_pages(items: list) -> list[str]:
    found = []
    for item in items:
        for value in (item.values() if isinstance(item, dict) else [item]):
            found += nav_pages(value) if isinstance(value, list) else [value]
    return found


def test_the_site_has_the_catalogue_page_in_both_languages_in_its_nav():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "docs_hooks/catalogue.py" in config["hooks"]
    assert "catalogue.md" in nav_pages(config["nav"])
    for page in ("catalogue.md", "catalogue.en.md"):
        assert catalogue.MARKER in (REPO / "site" / page).read_text(encoding="utf-8")


def nav_titles(items: list) -> list[str]:
    found = []
    for item in items:
        if isinstance(item, dict):
            for title, value in item.items():
                found.append(title)
                if isinstance(value, list):
                    found += nav_titles(value)
    return found


def test_every_nav_entry_has_its_vietnamese_and_english_page():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    for page in nav_pages(config["nav"]):
        assert (REPO / "site" / page).is_file(), page
        assert (REPO / "site" / page.replace(".md", ".en.md")).is_file(), page


def test_every_nav_title_has_its_english_title():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    i18n = next(p["i18n"] for p in config["plugins"] if isinstance(p, dict) and "i18n" in p)
    english = next(lang for lang in i18n["languages"] if lang["locale"] == "en")
    missing = [t for t in nav_titles(config["nav"]) if t not in english["nav_translations"]]
    assert not missing, f"no English nav title for {missing}"
