"""Which system accounts are SenLab's, and what it does to them, on a fake password database."""

from __future__ import annotations

import grp
import pwd
from pathlib import Path

import pytest

from senlab.hub.accounts import Account, AccountClash, AccountError, System, SystemAccounts
from senlab.roster import RosterError, RosterRow
from senlab.roster_import import refuse_foreign_accounts


class FakeSystem(System):
    """A password and group database in memory; account tools edit it and are recorded."""

    def __init__(self, users: dict[str, tuple[int, str, str]] | None = None):
        self.users = {name: (uid, comment, home) for name, (uid, comment, home)
                      in (users or {}).items()}
        self.groups: dict[str, tuple[int, list[str]]] = {
            name: (uid, []) for name, (uid, _c, _h) in self.users.items()}
        self.commands: list[list[str]] = []
        self.removed_trees: list[Path] = []
        self.fail: dict[str, str] = {}

    def getpwnam(self, name):
        uid, comment, home = self.users[name]
        return pwd.struct_passwd((name, "x", uid, uid, comment, home, "/usr/sbin/nologin"))

    def getpwall(self):
        return [self.getpwnam(name) for name in self.users]

    def getgrnam(self, name):
        gid, members = self.groups[name]
        return grp.struct_group((name, "x", gid, members))

    def run(self, command):
        self.commands.append(command)
        tool, name = command[0], command[-1]
        if tool in self.fail:
            raise AccountError(f"{tool} failed: {self.fail[tool]}")
        args = command[1:-1]
        option = dict(zip(args, args[1:], strict=False))  # each "--flag value" pair
        if tool == "useradd":
            uid = 900 + len(self.users)
            self.users[name] = (uid, option["--comment"], option["--home-dir"])
            self.groups[name] = (uid, [])
        elif tool == "usermod":
            uid, _comment, _home = self.users[name]
            self.users[name] = (uid, option["--comment"], option["--home"])
        elif tool == "userdel":
            del self.users[name]
            gid, members = self.groups.get(name, (None, ["keep"]))
            if not members:
                del self.groups[name]  # USERGROUPS_ENAB, as on Debian
        elif tool == "groupdel":
            del self.groups[name]

    def remove_tree(self, path):
        self.removed_trees.append(path)


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "var"


def test_a_missing_account_is_made_with_senlabs_mark_and_a_home_under_senlab_home(home):
    system = FakeSystem()
    account = SystemAccounts(home, system).ensure("trainee1")
    assert system.commands == [[
        "useradd", "--system", "--user-group", "--no-create-home",
        "--comment", f"SenLab {home}", "--home-dir", str(home / "users" / "trainee1"),
        "--shell", "/usr/sbin/nologin", "trainee1"]]
    assert account.made_by_senlab and account.senlab_home == home


def test_an_account_senlab_made_for_this_home_is_used_as_it_is(home):
    system = FakeSystem({"trainee1": (901, f"SenLab {home}", str(home / "users/trainee1"))})
    SystemAccounts(home, system).ensure("trainee1")
    assert system.commands == []


def test_an_account_senlab_made_for_another_home_is_pointed_at_this_one(home, tmp_path):
    old = tmp_path / "old-var"
    system = FakeSystem({"trainee1": (901, f"SenLab {old}", str(old / "users/trainee1"))})
    account = SystemAccounts(home, system).ensure("trainee1")
    assert system.commands == [["usermod", "--home", str(home / "users/trainee1"),
                                "--comment", f"SenLab {home}", "trainee1"]]
    assert account.home == home / "users/trainee1" and account.uid == 901


@pytest.mark.parametrize("comment", ["", "PostgreSQL administrator,,,", "SenLab",
                                     "senlab /var", "Not SenLab /var"])
def test_an_account_without_the_mark_is_refused_and_left_as_it_is(home, comment):
    system = FakeSystem({"postgres": (101, comment, "/var/lib/postgresql")})
    with pytest.raises(AccountClash) as refused:
        SystemAccounts(home, system).ensure("postgres")
    assert "'postgres'" in str(refused.value) and "uid 101" in str(refused.value)
    assert "SenLab did not make it" in str(refused.value)
    assert system.commands == []
    assert system.users["postgres"] == (101, comment, "/var/lib/postgresql")


def test_the_person_refused_at_spawn_is_told_why_in_vietnamese_then_english(home):
    system = FakeSystem({"postgres": (101, "", "/var/lib/postgresql")})
    with pytest.raises(AccountClash) as refused:
        SystemAccounts(home, system).ensure("postgres")
    message = refused.value.jupyterhub_message
    assert message.index("Không thể tạo tài khoản") < message.index("cannot be made")
    assert "postgres" in message


def test_a_name_longer_than_a_system_account_may_be_is_refused(home):
    system = FakeSystem()
    with pytest.raises(AccountClash, match="at most 32 characters"):
        SystemAccounts(home, system).ensure("a" * 33)
    assert system.commands == []


def test_a_senlab_home_with_a_colon_cannot_be_an_accounts_comment(tmp_path):
    with pytest.raises(AccountError, match="SENLAB_HOME"):
        SystemAccounts(tmp_path / "a:b", FakeSystem())


def test_the_list_holds_senlabs_accounts_of_every_home_and_no_other(home, tmp_path):
    system = FakeSystem({
        "root": (0, "root", "/root"),
        "trainee2": (902, f"SenLab {home}", str(home / "users/trainee2")),
        "trainee1": (901, f"SenLab {tmp_path / 'other'}", "/elsewhere/trainee1"),
        "legacy": (903, "SenLab user", "/old/legacy"),
    })
    accounts = SystemAccounts(home, system)
    assert [a.name for a in accounts.every()] == ["legacy", "trainee1", "trainee2"]
    assert [a.name for a in accounts.mine()] == ["trainee2"]
    assert accounts.lookup("legacy").senlab_home is None


def test_removing_takes_the_account_its_group_and_its_home_under_senlab_home(home):
    user_home = home / "users" / "trainee1"
    user_home.mkdir(parents=True)
    system = FakeSystem({"trainee1": (901, f"SenLab {home}", str(user_home))})
    accounts = SystemAccounts(home, system)
    removal = accounts.remove(accounts.removable(["trainee1"])[0])
    assert system.commands == [["userdel", "trainee1"]]
    assert "trainee1" not in system.users and "trainee1" not in system.groups
    assert removal.group_removed and removal.home_removed == user_home
    assert system.removed_trees == [user_home]


def test_a_group_userdel_leaves_behind_is_removed_when_it_was_the_accounts_own(home):
    system = FakeSystem({"trainee1": (901, f"SenLab {home}", str(home / "users/trainee1"))})

    def userdel_keeps_groups(command, run=system.run):
        run(command)
        if command[0] == "userdel":
            system.groups["trainee1"] = (901, [])

    system.run = userdel_keeps_groups  # type: ignore[method-assign]
    accounts = SystemAccounts(home, system)
    assert accounts.remove(accounts.removable(["trainee1"])[0]).group_removed
    assert system.commands[-1] == ["groupdel", "trainee1"]
    assert "trainee1" not in system.groups


def test_a_group_with_other_members_is_kept(home):
    system = FakeSystem({"trainee1": (901, f"SenLab {home}", str(home / "users/trainee1"))})
    system.groups["trainee1"] = (901, ["instructor1"])
    accounts = SystemAccounts(home, system)
    removal = accounts.remove(accounts.removable(["trainee1"])[0])
    assert not removal.group_removed and "trainee1" in system.groups
    assert ["groupdel", "trainee1"] not in system.commands


def test_a_home_outside_senlab_home_users_is_kept(home, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "trainee1"
    elsewhere.mkdir(parents=True)
    system = FakeSystem({"trainee1": (901, f"SenLab {tmp_path / 'other'}", str(elsewhere))})
    accounts = SystemAccounts(home, system)
    removal = accounts.remove(accounts.removable(["trainee1"])[0])
    assert removal.home_removed is None and removal.home_kept == elsewhere
    assert system.removed_trees == []


def test_removing_refuses_every_name_before_changing_any_when_one_is_not_senlabs(home):
    system = FakeSystem({"trainee1": (901, f"SenLab {home}", str(home / "users/trainee1")),
                         "alice": (1000, "Alice", "/home/alice")})
    with pytest.raises(AccountClash, match="'alice'"):
        SystemAccounts(home, system).removable(["trainee1", "alice"])
    with pytest.raises(AccountError, match="no such account"):
        SystemAccounts(home, system).removable(["nobody-here"])
    assert system.commands == []


def test_an_account_without_the_mark_cannot_be_removed_even_when_handed_over(home):
    system = FakeSystem()
    alice = Account("alice", 1000, 1000, "Alice", Path("/home/alice"))
    with pytest.raises(AccountClash):
        SystemAccounts(home, system).remove(alice)
    assert system.commands == []


def test_when_userdel_fails_the_home_is_kept(home):
    user_home = home / "users" / "trainee1"
    user_home.mkdir(parents=True)
    system = FakeSystem({"trainee1": (901, f"SenLab {home}", str(user_home))})
    system.fail["userdel"] = "user trainee1 is currently used by process 4242"
    accounts = SystemAccounts(home, system)
    with pytest.raises(AccountError, match="process 4242"):
        accounts.remove(accounts.removable(["trainee1"])[0])
    assert system.removed_trees == [] and "trainee1" in system.users


def test_the_roster_import_names_each_row_whose_username_is_a_foreign_account(home, tmp_path):
    system = FakeSystem({"postgres": (101, "", "/var/lib/postgresql"),
                         "trainee1": (901, f"SenLab {home}", str(home / "users/trainee1"))})
    rows = [RosterRow(2, "trainee", "trainee1", "A", "p", "P", "KCN", "e", "E"),
            RosterRow(3, "dost", "postgres", "B", "", "", "", "", "")]
    with pytest.raises(RosterError) as refused:
        refuse_foreign_accounts(tmp_path / "r.csv", rows, SystemAccounts(home, system))
    assert [(row, field) for row, field, _ in refused.value.problems] == [(3, "username")]
    assert "'postgres'" in refused.value.problems[0][2]
    refuse_foreign_accounts(tmp_path / "r.csv", rows, None)  # not root: nothing to refuse
