"""The `senlab` command: `senlab up | device … | roster … | registry … | report … | grade …`.

Each subcommand is a small function that parses nothing itself: argparse hands it the
parsed arguments and the settings, and it calls into the package that does the work.
It speaks the language of `--lang`, else of the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`),
else Vietnamese; its help is in that language too.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table

from senlab.broker import BrokerAccounts, Credentials, InvalidAccountName
from senlab.broker.accounts import UnknownAccount
from senlab.broker.tls import client_cafile
from senlab.commands import accounts, courses, progress, registry, role_label, tr, verify
from senlab.hub.cohort import demo_cohort
from senlab.hub.config import ADMIN_USER
from senlab.i18n import N_, OFFERED, LanguageError, Translator, resolve, translator
from senlab.settings import Settings, get_settings

console = Console()


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """Run the whole stack until Ctrl-C or SIGTERM."""
    # Imported when `senlab up` runs: the stack loads the grader, the progress database and
    # the demo (about 3 s) that the other subcommands and `--help` need not wait for. Not
    # a cycle: nothing below imports this module.
    from senlab.stack import Hub, StackError, check_dependencies, check_ports, prepare

    _ = tr(args)
    if args.demo:
        settings = settings.model_copy(update={"demo": True})
    try:
        settings.check_production()
        check_dependencies(settings)
        check_ports(settings)
        with console.status(_("Writing configs and publishing the demo courses under {home}",
                              home=settings.home)):
            prepare(settings)
    except (StackError, ValueError, OSError) as err:
        console.print(f"[bold red]senlab up:[/] {err}")
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    hub = Hub(settings)
    try:
        with console.status(_("Starting JupyterHub, Mosquitto, the progress service, "
                              "the fleet")):
            hub.start()
            hub.wait_ready(timeout=90)
        print_welcome(settings, _)
        while not stop.wait(1):
            if hub.proc is not None and hub.proc.poll() is not None:
                console.print("[bold red]" + _("The hub exited ({code}); see {log}",
                                               code=hub.proc.returncode, log=hub.log_path)
                              + "[/]")
                return 1
        return 0
    except StackError as err:
        console.print(f"[bold red]senlab up:[/] {err}")
        return 1
    finally:
        with console.status(_("Stopping the hub, its servers and services")):
            hub.stop()
        console.print(_("Stopped."))


def print_welcome(settings: Settings, _: Translator | None = None) -> None:
    _ = _ or translator(resolve())
    link = f"[link={settings.hub_url}]{settings.hub_url}[/link]"
    console.print("\n[bold green]" + _("SenLab is up at {url}", url=link) + "[/]")
    table = Table(title=_("Accounts"), show_lines=False)
    for column in (_("user"), _("role"), _("password")):
        table.add_column(column)
    table.add_row(ADMIN_USER, _("operator (hub admin)"),
                  settings.secret("admin-password", nbytes=9))
    if settings.demo:
        password = settings.demo_password_value()
        for user in demo_cohort().users:
            table.add_row(user.username, role_label(_, user.role), password)
    console.print(table)
    console.print(_("Logs: {logs}/ (hub.log, mosquitto.log); state: {home}/",
                    logs=settings.log_dir, home=settings.home))
    console.print(_("Press Ctrl-C to stop.") + "\n")


def cmd_device_register(args: argparse.Namespace, settings: Settings) -> int:
    """Give a real device its own broker account, limited to its own subtree."""
    _ = tr(args)
    try:
        creds = BrokerAccounts(settings).device(args.trainee, args.lab, args.id)
    except InvalidAccountName as err:
        console.print(f"[bold red]senlab device register:[/] {err}")
        return 2
    console.print(device_table(_("Broker account for device {device}", device=args.id),
                               creds, settings, _))
    return 0


def cmd_device_rotate(args: argparse.Namespace, settings: Settings) -> int:
    """Give a registered device a new broker password; the old one stops working at once."""
    _ = tr(args)
    accounts = BrokerAccounts(settings)
    try:
        creds = accounts.rotate_device(args.trainee, args.lab, args.device, reload=False)
    except InvalidAccountName as err:
        console.print(f"[bold red]senlab device rotate:[/] {err}")
        return 2
    except UnknownAccount:
        console.print("[bold red]senlab device rotate:[/] " + _(
            "no device {username} is registered; give it an account first with `senlab "
            "device register --trainee {trainee} --lab {lab} --id {device}`",
            username=f"device/{args.trainee}/{args.lab}/{args.device}", trainee=args.trainee,
            lab=args.lab, device=args.device))
        return 2
    console.print(device_table(_("New broker password for device {device}", device=args.device),
                               creds, settings, _))
    if accounts.reload():
        console.print(_("The old password no longer works: the broker has reloaded its "
                        "password file and disconnected any client still using it. Put the "
                        "new password on the device now."))
    else:
        console.print(_("The broker could not be told to reload (not running here, or "
                        "another user's): the old password stops working when it reloads or "
                        "starts. Put the new password on the device now."))
    return 0


def device_table(title: str, creds: Credentials, settings: Settings, _: Translator) -> Table:
    """A device's broker account as a table: where it connects (plain and TLS) and as whom."""
    table = Table(title=title, show_header=False)
    table.add_row(_("host"), creds.host)
    table.add_row(_("port"), str(creds.port))
    if settings.mqtt_tls_port:
        cafile = client_cafile(settings)
        table.add_row(_("TLS port"), str(settings.mqtt_tls_port))
        table.add_row(_("CA certificate"), str(cafile) if cafile else _("the system's"))
    table.add_row(_("username"), creds.username)
    table.add_row(_("password"), creds.password)
    table.add_row(_("topic root"), creds.topic_root + "/")
    return table


def add_lang_option(parser: argparse.ArgumentParser, _: Translator) -> None:
    parser.add_argument("--lang", metavar="LANG",
                        help=_("the language to speak: {offered} (default: the locale's, "
                               "else vi)", offered=", ".join(OFFERED)))


def build_parser(_: Translator | None = None) -> argparse.ArgumentParser:
    _ = _ or translator(resolve())
    parser = argparse.ArgumentParser(
        prog="senlab",
        description=_("The `senlab` command: `senlab up | device … | roster … | report … "
                      "| grade … | course …`."))
    add_lang_option(parser, _)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help=_("run the whole stack on this machine"))
    up.add_argument("--demo", action="store_true", help=_("seed the demo cohort"))
    up.set_defaults(func=cmd_up)

    device = commands.add_parser("device", help=_("real devices")).add_subparsers(
        dest="device_command", required=True
    )
    register = device.add_parser("register", help=_("give a device its broker credentials"))
    register.add_argument("--trainee", required=True)
    register.add_argument("--lab", required=True)
    register.add_argument("--id", required=True, help=_("the device id in the lab"))
    register.set_defaults(func=cmd_device_register)
    rotate = device.add_parser("rotate", help=_("give a registered device a new password and "
                                                "retire the old one at once"))
    rotate.add_argument("trainee", help=_("the trainee the device belongs to"))
    rotate.add_argument("lab", help=_("the lab"))
    rotate.add_argument("device", help=_("the device id in the lab"))
    rotate.set_defaults(func=cmd_device_rotate)

    accounts.register(commands, _)
    courses.register(commands, _)
    progress.register(commands, _)
    registry.register(commands, _)
    verify.register(commands, _)
    return parser


# argparse's own words (usage, headings, the help option, its errors), by argparse's msgids,
# so that `--help` and a mistyped command speak the language too. Their fields are argparse's
# %-style ones, kept as they are.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"), N_("expected one argument"),
    N_("expected at least one argument"), N_("expected at most one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("one of the arguments %s is required"), N_("not allowed with argument %s"),
)


@contextmanager
def argparse_speaks(_: Translator) -> Iterator[None]:
    """argparse's messages in the language of `_` while the parser is built and used.

    argparse looks its messages up through its module's `_` each time it shows one; that
    name is swapped for the catalogue's lookup here and put back after.
    """
    original = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda message: _(message)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def chosen_language(argv: list[str] | None) -> tuple[str, list[str]]:
    """The language of this run and the other arguments, decided before the parser is built
    (its help is in that language): `--lang` wherever it stands (`senlab course list --lang
    en` too), else the locale, else Vietnamese. LanguageError for a language SenLab does
    not offer."""
    first = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    first.add_argument("--lang")
    known, rest = first.parse_known_args(argv)
    return resolve(known.lang, where="--lang"), rest


def main(argv: list[str] | None = None) -> int:
    try:
        lang, rest = chosen_language(argv)
    except LanguageError as err:
        console.print(f"[bold red]senlab:[/] {err}")
        return 2
    _ = translator(lang)
    with argparse_speaks(_):
        args = build_parser(_).parse_args(rest)
    args.lang = lang
    try:
        settings = get_settings()
    except ValueError as err:
        console.print("[bold red]senlab:[/] " + _("bad setting: {error}", error=err))
        return 2
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
