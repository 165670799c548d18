"""`senlab accounts list | remove`: the operating-system accounts SenLab made for hub users.

Which accounts are SenLab's is `senlab.hub.accounts`' rule (the comment ``SenLab
<SENLAB_HOME>`` it gives them at ``useradd``); these commands only show and apply it.
``remove`` refuses, before it changes anything, any account SenLab did not make.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.table import Table

from senlab.hub.accounts import Account, AccountError, SystemAccounts, isolated
from senlab.settings import Settings

console = Console()


def cmd_accounts_list(args: argparse.Namespace, settings: Settings) -> int:
    """Show every system account SenLab made on this machine, and the SENLAB_HOME it serves."""
    try:
        accounts = SystemAccounts(settings.home).every()
    except AccountError as err:
        console.print(f"[bold red]senlab accounts list:[/] {err}")
        return 2
    if not accounts:
        console.print("No system accounts made by SenLab on this machine.")
        return 0
    table = Table(title="System accounts made by SenLab")
    for column in ("account", "uid", "serves SENLAB_HOME", "home folder"):
        table.add_column(column, overflow="fold")
    for account in accounts:
        serves = str(account.senlab_home or f"? ({account.comment})")
        if account.senlab_home == settings.home:
            serves += " (this one)"
        table.add_row(account.name, str(account.uid), serves, str(account.home))
    console.print(table)
    return 0


def _confirmed(targets: list[Account], yes: bool) -> bool:
    if yes:
        return True
    names = ", ".join(account.name for account in targets)
    if not sys.stdin.isatty():
        console.print(f"[bold red]senlab accounts remove:[/] would remove {names}; "
                      "pass --yes to do it (nothing was changed)")
        return False
    answer = console.input(f"Remove the system account(s) {names}? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def cmd_accounts_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Remove SenLab's accounts, their own groups and their homes under SENLAB_HOME/users."""
    if bool(args.names) == bool(args.all):
        console.print("[bold red]senlab accounts remove:[/] name the accounts, or pass --all "
                      "for every account of this SENLAB_HOME (not both)")
        return 2
    if not isolated():
        console.print("[bold red]senlab accounts remove:[/] only root can remove system "
                      "accounts (nothing was changed)")
        return 2
    try:
        accounts = SystemAccounts(settings.home)
        targets = accounts.mine() if args.all else accounts.removable(args.names)
    except AccountError as err:
        console.print(f"[bold red]senlab accounts remove:[/] {err}; nothing was changed")
        return 2
    if not targets:
        console.print(f"No system accounts made by SenLab for {settings.home}.")
        return 0
    if not _confirmed(targets, args.yes):
        return 1
    failed = 0
    for account in targets:
        try:
            removal = accounts.remove(account)
        except AccountError as err:
            console.print(f"[bold red]not removed:[/] {err}")
            failed += 1
            continue
        done = [f"account {account.name} (uid {account.uid})"]
        if removal.group_removed:
            done.append(f"its group {account.name}")
        if removal.home_removed:
            done.append(f"its home {removal.home_removed}")
        line = "Removed " + ", ".join(done)
        if removal.home_kept:
            line += f"; kept {removal.home_kept}, which is not under {accounts.users_root}"
        console.print(line)
    return 1 if failed else 0


def register(commands: argparse._SubParsersAction) -> None:
    accounts = commands.add_parser(
        "accounts", help="the system accounts SenLab made for hub users")
    sub = accounts.add_subparsers(dest="accounts_command", required=True)
    listing = sub.add_parser("list", help="show the system accounts SenLab made")
    listing.set_defaults(func=cmd_accounts_list)
    remove = sub.add_parser("remove", help="remove system accounts SenLab made")
    remove.add_argument("names", nargs="*", metavar="NAME", help="the accounts to remove")
    remove.add_argument("--all", action="store_true",
                        help="every account SenLab made for this SENLAB_HOME")
    remove.add_argument("--yes", action="store_true", help="do not ask first")
    remove.set_defaults(func=cmd_accounts_remove)
