"""SenLab's system accounts on this machine's real password database, with useradd itself.

A foreign account (made here with plain `useradd`, as a person or a package would) is
refused by the spawner, the roster import and `senlab accounts remove`, and left exactly
as it was; an account SenLab makes is listed and removed with its group and home. Every
account the test makes is removed afterwards, whatever happened.
"""

from __future__ import annotations

import asyncio
import csv
import grp
import os
import pwd
import secrets
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from senlab.cli import main
from senlab.commands import accounts as accounts_command
from senlab.hub.accounts import AccountClash
from senlab.hub.spawner import SenLabSpawner
from senlab.roster import COLUMNS
from senlab.settings import Settings
from senlab.stack import StackError, refuse_foreign_accounts

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="making system accounts needs root"),
]


def spawner_for(name: str, home: Path) -> SenLabSpawner:
    user = SimpleNamespace(name=name, id=1, url=f"/user/{name}/", escaped_name=name,
                           groups=[])
    return SenLabSpawner(user=user, users_root=str(home / "users"))


def snapshot(name: str) -> tuple:
    entry = pwd.getpwnam(name)
    group = grp.getgrgid(entry.pw_gid)
    return tuple(entry), (group.gr_name, group.gr_gid, list(group.gr_mem))


@pytest.fixture
def names():
    """Random account names unlikely to exist; each is removed at the end, made or not."""
    made = [f"slt{secrets.token_hex(4)}" for _ in range(2)]
    yield made
    for name in made:
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)


@pytest.fixture
def senlab_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "var"
    for name in ("SENLAB_ADMIN_TOKEN", "SENLAB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SENLAB_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "250")
    return home


@pytest.fixture
def foreign(names, tmp_path) -> str:
    """An account SenLab did not make, with a home holding a file of its own."""
    name = names[0]
    home = tmp_path / "foreign-home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    subprocess.run(["useradd", "--user-group", "--comment", "Someone else",
                    "--home-dir", str(home), "--shell", "/bin/sh", name],
                   check=True, capture_output=True)
    yield name
    shutil.rmtree(home, ignore_errors=True)


def test_the_spawner_refuses_a_foreign_account_and_leaves_it_as_it_was(foreign, senlab_home):
    before = snapshot(foreign)
    with pytest.raises(AccountClash) as refused:
        asyncio.run(spawner_for(foreign, senlab_home).start())
    assert foreign in refused.value.jupyterhub_message
    assert snapshot(foreign) == before
    assert (Path(before[0][5]) / "notes.txt").read_text() == "mine"
    assert not (senlab_home / "users" / foreign).exists()


def test_the_cli_refuses_to_remove_a_foreign_account_and_names_it(foreign, senlab_home,
                                                                   capsys):
    before = snapshot(foreign)
    assert main(["accounts", "remove", "--yes", foreign]) == 2
    out = capsys.readouterr().out
    assert foreign in out and "SenLab did not make it" in out and "nothing was changed" in out
    assert main(["accounts", "list"]) == 0
    assert foreign not in capsys.readouterr().out
    assert snapshot(foreign) == before


def test_the_roster_import_refuses_a_foreign_account_and_imports_nothing(
        foreign, senlab_home, tmp_path, capsys):
    before = snapshot(foreign)
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow({"role": "dost", "username": foreign, "full_name": "Ai Đó",
                         "park_id": "", "park_name": "", "park_kind": "",
                         "enterprise_id": "", "enterprise_name": "", "courses": ""})
    assert main(["roster", "import", "--no-hub", str(roster)]) == 2
    out = capsys.readouterr().out
    assert "field username" in out and foreign in out and "nothing was imported" in out
    assert snapshot(foreign) == before


def test_an_account_senlab_makes_is_listed_then_removed_with_its_group_and_home(
        names, senlab_home, capsys, monkeypatch):
    monkeypatch.setattr(accounts_command.console, "width", 400)  # one table row, one line
    name = names[1]
    spawner = spawner_for(name, senlab_home)
    spawner._ensure_account()
    entry = pwd.getpwnam(name)
    home = senlab_home / "users" / name
    assert entry.pw_gecos == f"SenLab {senlab_home}" and entry.pw_dir == str(home)
    assert home.stat().st_uid == entry.pw_uid
    (home / "work.ipynb").write_text("{}")

    assert main(["accounts", "list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if name in line)
    assert str(entry.pw_uid) in row and "(this one)" in row

    assert main(["accounts", "remove", name]) == 1  # no --yes, and no one to ask
    assert "pass --yes" in capsys.readouterr().out
    assert pwd.getpwnam(name).pw_uid == entry.pw_uid and home.exists()

    assert main(["accounts", "remove", "--yes", name]) == 0
    out = capsys.readouterr().out
    assert f"Removed account {name} (uid {entry.pw_uid}), its group {name}" in out
    with pytest.raises(KeyError):
        pwd.getpwnam(name)
    with pytest.raises(KeyError):
        grp.getgrnam(name)
    assert not home.exists()


def test_senlab_up_demo_stops_before_seeding_when_a_demo_name_is_a_foreign_account(
        foreign, senlab_home):
    before = snapshot(foreign)
    with pytest.raises(StackError, match=f"'{foreign}'.*SenLab did not make it"):
        refuse_foreign_accounts(Settings(home=senlab_home), ["trainee1", foreign])
    assert snapshot(foreign) == before
