"""The `senlab` command: `senlab up | device … | roster … | report … | grade … | course …`.

Each subcommand is a small function that parses nothing itself: argparse hands it the
parsed arguments and the settings, and it calls into the package that does the work.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from rich.console import Console
from rich.table import Table

from senlab.broker import BrokerAccounts, InvalidAccountName
from senlab.commands import accounts, courses, progress
from senlab.hub.cohort import demo_cohort
from senlab.hub.config import ADMIN_USER
from senlab.settings import Settings, get_settings

console = Console()


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """Run the whole stack until Ctrl-C or SIGTERM."""
    # Imported when `senlab up` runs: the stack loads the grader, the progress database and
    # the demo (about 3 s) that the other subcommands and `--help` need not wait for. Not
    # a cycle: nothing below imports this module.
    from senlab.stack import Hub, StackError, check_dependencies, check_ports, prepare

    if args.demo:
        settings = settings.model_copy(update={"demo": True})
    try:
        settings.check_production()
        check_dependencies(settings)
        check_ports(settings)
        with console.status("Writing configs and publishing the demo courses under "
                            + str(settings.home)):
            prepare(settings)
    except (StackError, ValueError, OSError) as err:
        console.print(f"[bold red]senlab up:[/] {err}")
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    hub = Hub(settings)
    try:
        with console.status("Starting JupyterHub, Mosquitto, the progress service, the fleet"):
            hub.start()
            hub.wait_ready(timeout=90)
        print_welcome(settings)
        while not stop.wait(1):
            if hub.proc is not None and hub.proc.poll() is not None:
                console.print(f"[bold red]The hub exited[/] ({hub.proc.returncode}); "
                              f"see {hub.log_path}")
                return 1
        return 0
    except StackError as err:
        console.print(f"[bold red]senlab up:[/] {err}")
        return 1
    finally:
        with console.status("Stopping the hub, its servers and services"):
            hub.stop()
        console.print("Stopped.")


def print_welcome(settings: Settings) -> None:
    console.print(f"\n[bold green]SenLab is up[/] at [link={settings.hub_url}]"
                  f"{settings.hub_url}[/link]")
    table = Table(title="Accounts", show_lines=False)
    for column in ("user", "role", "password"):
        table.add_column(column)
    table.add_row(ADMIN_USER, "operator (hub admin)", settings.secret("admin-password", nbytes=9))
    if settings.demo:
        password = settings.demo_password_value()
        for user in demo_cohort().users:
            table.add_row(user.username, user.role, password)
    console.print(table)
    console.print(f"Logs: {settings.log_dir}/ (hub.log, mosquitto.log); state: {settings.home}/")
    console.print("Press Ctrl-C to stop.\n")


def cmd_device_register(args: argparse.Namespace, settings: Settings) -> int:
    """Give a real device its own broker account, limited to its own subtree."""
    try:
        creds = BrokerAccounts(settings).device(args.trainee, args.lab, args.id)
    except InvalidAccountName as err:
        console.print(f"[bold red]senlab device register:[/] {err}")
        return 2
    table = Table(title=f"Broker account for device {args.id}", show_header=False)
    table.add_row("host", creds.host)
    table.add_row("port", str(creds.port))
    table.add_row("username", creds.username)
    table.add_row("password", creds.password)
    table.add_row("topic root", creds.topic_root + "/")
    console.print(table)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="senlab", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run the whole stack on this machine")
    up.add_argument("--demo", action="store_true", help="seed the demo cohort")
    up.set_defaults(func=cmd_up)

    device = commands.add_parser("device", help="real devices").add_subparsers(
        dest="device_command", required=True
    )
    register = device.add_parser("register", help="give a device its broker credentials")
    register.add_argument("--trainee", required=True)
    register.add_argument("--lab", required=True)
    register.add_argument("--id", required=True, help="the device id in the lab")
    register.set_defaults(func=cmd_device_register)

    accounts.register(commands)
    courses.register(commands)
    progress.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as err:
        console.print(f"[bold red]senlab:[/] bad setting: {err}")
        return 2
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
