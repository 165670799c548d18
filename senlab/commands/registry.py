"""`senlab registry import FILE`: the province's parks and enterprises, from the Economic
Zone Authority's list (CSV or XLSX; columns in ``senlab.progress.crud.registry``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from senlab.commands import tr
from senlab.i18n import Translator, format_number
from senlab.settings import Settings

console = Console()


def cmd_registry_import(args: argparse.Namespace, settings: Settings) -> int:
    """Check the whole file, then replace the registry with it in one transaction."""
    # Imported when the command runs, for the CLI's start-up (SQLAlchemy, Alembic,
    # openpyxl); not a cycle: commands sit above everything they call.
    from senlab.progress import db
    from senlab.progress.crud.registry import RegistryError, import_registry, parse_registry

    _ = tr(args)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as err:
        console.print(f"[bold red]senlab registry import:[/] {err}")
        return 2
    engine = db.make_engine(settings.db_url)
    try:
        with console.status(_("Checking {file}", file=args.file)):
            registry = parse_registry(str(path), data)
            db.migrate(engine)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task(_("Importing {file}", file=args.file),
                                total=len(registry.enterprises))
            with db.session_scope(db.session_factory(engine)) as session:
                summary = import_registry(
                    session, source=str(path), registry=registry, made_by="senlab registry",
                    progress=lambda done, total: bar.update(task, completed=done))
    except RegistryError as err:
        print_problems(err, _)
        return 2
    finally:
        engine.dispose()
    table = Table(title=_("Imported {file}", file=args.file), show_header=False)
    for label, value in ((_("parks"), summary.parks), (_("enterprises"), summary.enterprises),
                         (_("enterprises added"), summary.added),
                         (_("enterprises removed"), summary.removed),
                         (_("enterprises with nobody enrolled"),
                          summary.unenrolled_enterprises)):
        table.add_row(label, format_number(value, _.lang))
    console.print(table)
    return 0


def print_problems(err, _: Translator) -> None:
    console.print("[bold red]senlab registry import:[/] "
                  + _("nothing was imported; {count} problem(s):",
                      count=format_number(len(err.problems), _.lang)))
    for row, field, message in err.problems:
        if row:
            console.print("  " + _("{file}: row {row}, field {field}: {message}",
                                   file=err.source, row=row, field=field, message=message))
        else:
            console.print("  " + _("{file}: field {field}: {message}", file=err.source,
                                   field=field, message=message))


def register(commands: argparse._SubParsersAction, _: Translator) -> None:
    registry = commands.add_parser(
        "registry", help=_("the province's parks and enterprises (the indicators' "
                           "denominators)"))
    sub = registry.add_subparsers(dest="registry_command", required=True)
    load = sub.add_parser("import", help=_("replace the registry with the Economic Zone "
                                           "Authority's list (CSV or XLSX)"))
    load.add_argument("file")
    load.set_defaults(func=cmd_registry_import)
