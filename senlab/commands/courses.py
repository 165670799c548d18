"""`senlab course new | validate | publish | list` and `senlab grade`.

Grading, publishing, scaffolding and reading lab files are imported by the subcommand that
uses them: together they cost about 2 s (nbgrader, nbformat, every device model) that
`senlab --help` and the other subcommands need not wait for. Not a cycle: nothing below
imports this module.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from senlab.commands import tr
from senlab.courses import Course, CourseError, course_root, list_courses
from senlab.hub.courses import course_group_name, ensure_course_group
from senlab.i18n import Translator, format_number
from senlab.settings import Settings

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # a file's path stays on one line


def courses_dir(settings: Settings, args: argparse.Namespace | None = None) -> Path:
    """The folder of course sources: --courses-dir, or the repository's `courses/`."""
    given = getattr(args, "courses_dir", None)
    return Path(given) if given else settings.repo_root / "courses"


def cmd_new(args: argparse.Namespace, settings: Settings) -> int:
    """Scaffold a course with one gradable assignment."""
    from senlab.courses.scaffold import new_course

    _ = tr(args)
    try:
        folder = new_course(courses_dir(settings, args), args.course, title_en=args.title_en,
                            title_vi=args.title_vi, area=args.area, level=args.level,
                            hours=args.hours)
    except CourseError as err:
        console.print(f"[bold red]senlab course new:[/] {err}")
        return 2
    console.print(_("Created {folder}: edit course.yaml and source/, then "
                    "`senlab course validate {course}`.", folder=folder, course=args.course))
    return 0


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    """Check metadata, generation, solutions (all tests pass) and blanks (score 0), in the
    sandbox and, for assignments with a lab, against live emulated devices."""
    from senlab.grading.validate import validate_course

    _ = tr(args)
    if args.all == bool(args.course):
        console.print("[bold red]senlab course validate:[/] " + _("give one course, or --all"))
        return 2
    root = courses_dir(settings, args)
    names = ([p.parent.name for p in sorted(root.glob("*/course.yaml"))]
             if args.all else [args.course])
    failed = 0
    for name in names:
        folder = root / name
        if not folder.is_dir():
            console.print(f"[bold red]{name}:[/] "
                          + _("no course folder {folder}", folder=folder))
            failed += 1
            continue
        with validation_progress(name, _) as report:
            problems = validate_course(settings, folder, workers=args.workers, progress=report)
        if not problems:
            console.print(f"[green]✔ {name}[/]: " + _("fit to publish"))
            continue
        failed += 1
        table = Table(title=_("{course}: {count} problem(s)", course=name,
                              count=format_number(len(problems), _.lang)))
        # Names are folded, never cut: the file and cell are what the author goes to fix.
        for column in (_("file"), _("cell"), _("reason")):
            table.add_column(column, overflow="fold")
        for problem in problems:
            table.add_row(str(problem.file), str(problem.cell), str(problem.reason))
        console.print(table)
    return 1 if failed else 0


@contextmanager
def validation_progress(course: str, _: Translator) -> Iterator[Callable[[str, int, int],
                                                                          None]]:
    """A rich progress line for one course's validation, and the callback that moves it.

    Each step gets its own line, replacing the last: steps without a count (publishing,
    the sandbox, starting the live lab) pulse; live runs count cells, checks count passes.
    """
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=20),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        shown, task = "", bar.add_task(_("{course}: validating", course=course), total=None)

        def report(step: str, done: int, total: int) -> None:
            nonlocal shown, task
            if step != shown:
                bar.remove_task(task)
                shown, task = step, bar.add_task(f"{course}: {step}", total=total or None)
            bar.update(task, completed=done, total=total or None)

        yield report


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Generate and release a course's assignments; no hub restart is needed."""
    from senlab.grading.publish import publish

    _ = tr(args)
    try:
        with console.status(_("Publishing {course}: generating and releasing",
                              course=args.course)):
            course = publish(settings, args.course)
            if os.geteuid() == 0:  # trainees must never read a course's sources or gradebook
                ensure_course_group(course_root(settings, args.course),
                                    course_group_name(args.course), member=None)
    except CourseError as err:
        console.print(f"[bold red]senlab course publish:[/] {err}")
        return 2
    console.print("[green]" + _("Published") + f"[/] {course.id}: "
                  + ", ".join(a.id for a in course.assignments))
    return 0


def course_summary(settings: Settings, course: Course, folder: Path) -> dict[str, Any]:
    """What `course list --json` says of one course: its rule as the progress service gets it."""
    from senlab.courses.labs import completion_rule

    rule = completion_rule(course, settings.repo_root / "labs", folder / "course.yaml")
    titles = {(c.assignment, c.check): c.title.model_dump() for c in rule.checks}
    return {
        "id": course.id, "title": course.title.model_dump(), "area": course.area.value,
        "level": course.level.value, "hours": course.hours,
        "assignments": [{
            "id": a.id, "title": a.title.model_dump(), "lab": a.lab,
            "pass_mark": rule.pass_marks[a.id],
            "checks": [{"id": c, "title": titles[(a.id, c)]} for c in a.checks],
        } for a in course.assignments],
        "completion": rule.model_dump(mode="json"),
        "published": (course_root(settings, course.id) / "course.yaml").is_file(),
    }


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """The courses in the repository, as a table or (--json) as a JSON array."""
    _ = tr(args)
    root = courses_dir(settings, args)
    try:
        summaries = [course_summary(settings, course, root / course.id)
                     for course in list_courses(root)]
    except CourseError as err:
        # Nothing on stdout: a script reading the JSON gets none rather than a part.
        errors.print(f"[bold red]senlab course list:[/] {err}")
        return 2
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False, indent=2))
        return 0
    table = Table(title=_("Courses"))
    # Ids fold rather than being cut: they are what one types next.
    for column in (_("id"), _("title"), _("hours"), _("pass marks"), _("required"),
                   _("min average"), _("published")):
        table.add_column(column, overflow="fold")
    for course in summaries:
        rule = course["completion"]
        table.add_row(course["id"], _.pick(course["title"]), format_number(course["hours"], _.lang),
                      ", ".join(f"{a['id']} {format_number(a['pass_mark'], _.lang)}"
                                for a in course["assignments"]),
                      ", ".join(rule["required"]), format_number(rule["min_average"], _.lang),
                      _("yes") if course["published"] else _("no"))
    console.print(table)
    return 0


def cmd_grade(args: argparse.Namespace, settings: Settings) -> int:
    """Autograde the collected submissions of one assignment, in parallel, with a bar."""
    from senlab.grading.pool import grade_assignment, submitted_trainees

    _ = tr(args)
    trainees = submitted_trainees(settings, args.course, args.assignment)
    if not trainees:
        console.print(_("No collected submissions for {course}/{assignment}.",
                        course=args.course, assignment=args.assignment))
        return 0
    columns = (*Progress.get_default_columns()[:2], BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(_("Grading {course}/{assignment}", course=args.course,
                              assignment=args.assignment), total=len(trainees))
        results = grade_assignment(
            settings, args.course, args.assignment, trainees=trainees, workers=args.workers,
            feedback=True, progress=lambda _result, done, _total: bar.update(task, completed=done),
        )
    table = Table(title=_("Scores"))
    for column in (_("trainee"), _("score"), _("max"), _("note")):
        table.add_column(column)
    for result in results:
        table.add_row(result.trainee, format_number(result.score, _.lang),
                      format_number(result.max_score, _.lang), result.error or "")
    console.print(table)
    return 1 if any(result.error for result in results) else 0


def register(commands: argparse._SubParsersAction, _: Translator) -> None:
    course = commands.add_parser("course", help=_("write, check and publish courses"))
    course.add_argument("--courses-dir", help=_("course sources (default: the repository's)"))
    sub = course.add_subparsers(dest="course_command", required=True)
    new = sub.add_parser("new", help=_("scaffold a course"))
    new.add_argument("course")
    new.add_argument("--title-vi", required=True)
    new.add_argument("--title-en", required=True)
    new.add_argument("--area", default="iot", choices=["iot", "5g", "security", "operations"])
    new.add_argument("--level", default="beginner")
    new.add_argument("--hours", type=float, default=8)
    new.set_defaults(func=cmd_new)
    validate = sub.add_parser("validate", help=_("check a course before publishing"))
    validate.add_argument("course", nargs="?")
    validate.add_argument("--all", action="store_true")
    validate.add_argument("--workers", type=int)
    validate.set_defaults(func=cmd_validate)
    publish = sub.add_parser("publish", help=_("generate and release a course's assignments"))
    publish.add_argument("course")
    publish.set_defaults(func=cmd_publish)
    listing = sub.add_parser("list", help=_("list the courses and their completion rules"))
    listing.add_argument("--json", action="store_true",
                         help=_("a JSON array, one object a course"))
    listing.set_defaults(func=cmd_list)

    grade = commands.add_parser("grade", help=_("autograde an assignment now"))
    grade.add_argument("course")
    grade.add_argument("assignment")
    grade.add_argument("--workers", type=int)
    grade.set_defaults(func=cmd_grade)
