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

from senlab.commands import tr
from senlab.hub.accounts import Account, AccountError, SystemAccounts, isolated
from senlab.i18n import Translator
from senlab.settings import Settings

console = Console()

# What a reader may answer to "[y/N]", in either language (c/có is Vietnamese for yes).
YES = ("y", "yes", "c", "có")


def cmd_accounts_list(args: argparse.Namespace, settings: Settings) -> int:
    """Show every system account SenLab made on this machine, and the SENLAB_HOME it serves."""
    _ = tr(args)
    try:
        accounts = SystemAccounts(settings.home).every()
    except AccountError as err:
        console.print(f"[bold red]senlab accounts list:[/] {err}")
        return 2
    if not accounts:
        console.print(_("No system accounts made by SenLab on this machine."))
        return 0
    table = Table(title=_("System accounts made by SenLab"))
    for column in (_("account"), _("uid"), _("serves SENLAB_HOME"), _("home folder")):
        table.add_column(column, overflow="fold")
    for account in accounts:
        serves = str(account.senlab_home or f"? ({account.comment})")
        if account.senlab_home == settings.home:
            serves += " " + _("(this one)")
        table.add_row(account.name, str(account.uid), serves, str(account.home))
    console.print(table)
    return 0


def _confirmed(targets: list[Account], yes: bool, _: Translator) -> bool:
    if yes:
        return True
    names = ", ".join(account.name for account in targets)
    if not sys.stdin.isatty():
        console.print("[bold red]senlab accounts remove:[/] "
                      + _("would remove {names}; pass --yes to do it (nothing was changed)",
                          names=names))
        return False
    answer = console.input(_("Remove the system account(s) {names}? [y/N] ", names=names))
    return answer.strip().lower() in YES


def cmd_accounts_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Remove SenLab's accounts, their own groups and their homes under SENLAB_HOME/users."""
    _ = tr(args)
    if bool(args.names) == bool(args.all):
        console.print("[bold red]senlab accounts remove:[/] "
                      + _("name the accounts, or pass --all for every account of this "
                          "SENLAB_HOME (not both)"))
        return 2
    if not isolated():
        console.print("[bold red]senlab accounts remove:[/] "
                      + _("only root can remove system accounts (nothing was changed)"))
        return 2
    try:
        accounts = SystemAccounts(settings.home)
        targets = accounts.mine() if args.all else accounts.removable(args.names)
    except AccountError as err:
        console.print("[bold red]senlab accounts remove:[/] "
                      + _("{error}; nothing was changed", error=err))
        return 2
    if not targets:
        console.print(_("No system accounts made by SenLab for {home}.", home=settings.home))
        return 0
    if not _confirmed(targets, args.yes, _):
        return 1
    failed = 0
    for account in targets:
        try:
            removal = accounts.remove(account)
        except AccountError as err:
            console.print("[bold red]" + _("not removed:") + f"[/] {err}")
            failed += 1
            continue
        done = [_("account {name} (uid {uid})", name=account.name, uid=account.uid)]
        if removal.group_removed:
            done.append(_("its group {name}", name=account.name))
        if removal.home_removed:
            done.append(_("its home {home}", home=removal.home_removed))
        line = _("Removed {what}", what=", ".join(done))
        if removal.home_kept:
            line += _("; kept {home}, which is not under {root}", home=removal.home_kept,
                      root=accounts.users_root)
        console.print(line)
    return 1 if failed else 0


def register(commands: argparse._SubParsersAction, _: Translator) -> None:
    accounts = commands.add_parser(
        "accounts", help=_("the system accounts SenLab made for hub users"))
    sub = accounts.add_subparsers(dest="accounts_command", required=True)
    listing = sub.add_parser("list", help=_("show the system accounts SenLab made"))
    listing.set_defaults(func=cmd_accounts_list)
    remove = sub.add_parser("remove", help=_("remove system accounts SenLab made"))
    remove.add_argument("names", nargs="*", metavar="NAME", help=_("the accounts to remove"))
    remove.add_argument("--all", action="store_true",
                        help=_("every account SenLab made for this SENLAB_HOME"))
    remove.add_argument("--yes", action="store_true", help=_("do not ask first"))
    remove.set_defaults(func=cmd_accounts_remove)
