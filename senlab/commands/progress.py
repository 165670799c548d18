"""`senlab roster import` and `senlab report`: the progress service's offline commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from senlab.commands import role_label, tr
from senlab.i18n import Translator, format_number
from senlab.settings import Settings

console = Console()


def cmd_roster_import(args: argparse.Namespace, settings: Settings) -> int:
    """Create or update parks, enterprises and people, and their hub users and groups."""
    # Imported when the command runs, for the CLI's start-up: openpyxl, httpx, SQLAlchemy
    # and Alembic cost about 2 s that every other subcommand would pay. Not a cycle:
    # commands sit above everything they call.
    from senlab.hub.roster import HubClient
    from senlab.roster import RosterError
    from senlab.roster_import import import_roster

    _ = tr(args)
    hub = None
    if not args.no_hub:
        token = settings.admin_token_value()
        if token is None:
            console.print("[bold red]senlab roster import:[/] "
                          + _("the hub's users and groups are made with SENLAB_ADMIN_TOKEN, "
                              "which is not set (start the hub with it), or pass --no-hub to "
                              "write the progress database alone"))
            return 2
        hub = HubClient(settings.hub_api_url, token)
    try:
        with console.status(_("Importing {file}", file=args.file)):
            summary = import_roster(settings, Path(args.file), hub)
    except RosterError as err:
        console.print("[bold red]senlab roster import:[/] "
                      + _("nothing was imported; {count} problem(s):",
                          count=format_number(len(err.problems), _.lang)))
        for row, field, message in err.problems:
            console.print("  " + _("{file}: row {row}, field {field}: {message}",
                                   file=args.file, row=row, field=field, message=message))
        return 2
    except (OSError, RuntimeError) as err:
        console.print(f"[bold red]senlab roster import:[/] {err}")
        return 2

    def count(n: int) -> str:
        return format_number(n, _.lang)

    table = Table(title=_("Imported {file}", file=args.file), show_header=False)
    table.add_row(_("parks"), count(summary.parks))
    table.add_row(_("enterprises"), count(summary.enterprises))
    for role, people in summary.people.items():
        table.add_row(role_label(_, role), count(people))
    table.add_row(_("enrolments"), count(summary.enrolments))
    table.add_row(_("hub users created"), count(summary.hub_users_created))
    console.print(table)
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Write the semi-annual (due 20 June) or annual (due 20 November) report."""
    # Imported when the command runs, for the CLI's start-up (openpyxl, reportlab,
    # SQLAlchemy); not a cycle.
    from senlab.progress.reports.data import PeriodError
    from senlab.progress.reports.document import DEFAULT_RECIPIENTS, DocumentOptions
    from senlab.progress.reports.render import write_report

    _ = tr(args)
    options = DocumentOptions(number=args.number or "", signer_name=args.signer_name,
                              signer_title=args.signer_title or "",
                              recipients=tuple(args.recipient or DEFAULT_RECIPIENTS))
    try:
        with console.status(_("Writing the {period} report ({format})", period=args.period,
                              format=args.format)):
            out = write_report(settings, args.period, args.format, Path(args.out),
                               rule=args.rule, options=options)
    except PeriodError as err:
        said = {"malformed": _("{value} is not a report period: write a year (2026) or its "
                               "first half (2026H1)", value=args.period),
                "outside": _("{value} is outside Plan 478/KH-UBND, which runs from 2025 to "
                             "2030", value=args.period)}.get(err.problem, str(err))
        console.print(f"[bold red]senlab report:[/] --{err.parameter}: {said}")
        return 2
    except ValueError as err:
        console.print(f"[bold red]senlab report:[/] {err}")
        return 2
    console.print(_("Wrote {file} ({size} bytes)", file=out,
                    size=format_number(out.stat().st_size, _.lang)))
    return 0


def register(commands: argparse._SubParsersAction, _: Translator) -> None:
    roster = commands.add_parser("roster", help=_("import parks, enterprises and people"))
    sub = roster.add_subparsers(dest="roster_command", required=True)
    load = sub.add_parser("import", help=_("import a roster (CSV or XLSX)"))
    load.add_argument("file")
    load.add_argument("--no-hub", action="store_true",
                      help=_("write the progress database only, not the hub's users and groups"))
    load.set_defaults(func=cmd_roster_import)

    report = commands.add_parser("report", help=_("the plan's semi-annual or annual report"))
    report.add_argument("--period", required=True,
                        help=_("2026H1 (semi-annual) or 2026 (annual)"))
    report.add_argument("--format", required=True, choices=["xlsx", "pdf", "csv"])
    report.add_argument("--out", required=True)
    report.add_argument("--rule", choices=["nd09", "kh478"],
                        help=_("the period's dates: nd09 (Decree 09/2019, Article 12: "
                               "15/12-14/6 and 15/12-14/12, the default) or kh478 (the "
                               "plan's report dates 20/6 and 20/11)"))
    report.add_argument("--number", help=_("the document's number (e.g. 12 for "
                                           "12/BC-SKHCN); blank if not given"))
    report.add_argument("--signer-name", help=_("the signer's name; the name on the signing "
                                                "certificate if not given"))
    report.add_argument("--signer-title", help=_("the signer's title, e.g. KT. GIÁM ĐỐC"))
    report.add_argument("--recipient", action="append",
                        help=_("a recipient (Nơi nhận); repeat for each"))
    report.set_defaults(func=cmd_report)
