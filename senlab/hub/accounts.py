"""The operating-system accounts SenLab makes for hub users, and the rule that says which.

Run as root, the local spawner runs each hub user's server as a system account of the same
name (nbgrader records submitters by account name). SenLab creates that account itself,
with ``useradd --comment "SenLab <SENLAB_HOME>"``: the comment (GECOS) field is the mark.

The rule, here and nowhere else: an account is SenLab's when its comment begins with
``SenLab `` (the rest names the SENLAB_HOME it serves). SenLab changes, and removes, only
such accounts. A hub user whose name is already an account without the mark (``root``,
``postgres``, a person's own login) is refused with a clear message, and that account is
left exactly as it was. The spawner, the roster import, ``senlab up --demo`` and
``senlab accounts list|remove`` all ask `SystemAccounts`.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MARK = "SenLab "
MAX_NAME = 32  # useradd's limit on an account name


def isolated() -> bool:
    """Whether servers run as accounts of their own: only a hub run as root can switch."""
    return os.geteuid() == 0


class AccountError(RuntimeError):
    """A system account cannot be made or removed; the message names it and says why."""


class AccountClash(AccountError):
    """A hub user's name is a system account that SenLab did not make (or cannot be one).

    ``jupyterhub_message`` is what the hub shows the person whose server is refused.
    """

    def __init__(self, name: str, reason: str):
        self.name = name
        super().__init__(f"system account {name!r}: {reason}")
        self.jupyterhub_message = (
            f"Không thể tạo tài khoản hệ thống “{name}” cho máy chủ của bạn: tên này đã là "
            "một tài khoản không do SenLab tạo. Hãy nhờ người vận hành cấp cho bạn tên đăng "
            f"nhập khác. / The system account “{name}” for your server cannot be made: the "
            "name is already an account that SenLab did not create. Ask the operator to "
            "give you another username."
        )


@dataclass(frozen=True)
class Account:
    """One system account as the password database has it."""

    name: str
    uid: int
    gid: int
    comment: str
    home: Path

    @property
    def made_by_senlab(self) -> bool:
        return self.comment.startswith(MARK)

    @property
    def senlab_home(self) -> Path | None:
        """The SENLAB_HOME the account serves, as its comment says (None if not a path)."""
        rest = self.comment[len(MARK):] if self.made_by_senlab else ""
        return Path(rest) if rest.startswith("/") else None

    @classmethod
    def from_entry(cls, entry: pwd.struct_passwd) -> Account:
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_gecos,
                   Path(entry.pw_dir))


@dataclass(frozen=True)
class Removal:
    """What removing one account did."""

    name: str
    group_removed: bool
    home_removed: Path | None
    home_kept: Path | None


class System:
    """The machine's password and group databases and its account tools (a fake in tests)."""

    def getpwnam(self, name: str) -> pwd.struct_passwd:
        return pwd.getpwnam(name)

    def getpwall(self) -> list[pwd.struct_passwd]:
        return pwd.getpwall()

    def getgrnam(self, name: str) -> grp.struct_group:
        return grp.getgrnam(name)

    def run(self, command: list[str]) -> None:
        """Run an account tool; raise AccountError with its own words when it fails."""
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            said = (result.stderr or result.stdout).strip()
            raise AccountError(f"{' '.join(command)} failed ({result.returncode}): {said}")

    def remove_tree(self, path: Path) -> None:
        shutil.rmtree(path)


class SystemAccounts:
    """The accounts SenLab makes for the hub users of one SENLAB_HOME."""

    def __init__(self, home: Path, system: System | None = None):
        self.home = Path(home)
        self.users_root = self.home / "users"
        self.system = system or System()
        if ":" in str(self.home) or "\n" in str(self.home):
            raise AccountError(f"SENLAB_HOME {str(self.home)!r}: a path with ':' or a line "
                               "break cannot be an account's comment or home")

    @property
    def comment(self) -> str:
        return MARK + str(self.home)

    def home_of(self, name: str) -> Path:
        return self.users_root / name

    def lookup(self, name: str) -> Account | None:
        try:
            return Account.from_entry(self.system.getpwnam(name))
        except KeyError:
            return None

    def check(self, name: str) -> Account | None:
        """Refuse a name SenLab may not use as an account; return its account if it has one."""
        if len(name) > MAX_NAME:
            raise AccountClash(name, f"a system account name has at most {MAX_NAME} "
                                     f"characters, this one has {len(name)}")
        account = self.lookup(name)
        if account is not None and not account.made_by_senlab:
            raise AccountClash(name, f"it exists (uid {account.uid}, comment "
                                     f"{account.comment!r}) and SenLab did not make it, "
                                     "so SenLab leaves it as it is")
        return account

    def ensure(self, name: str) -> Account:
        """The account of hub user `name`: made if missing, pointed at this SENLAB_HOME."""
        account = self.check(name)
        home = self.home_of(name)
        if account is None:
            self.system.run(["useradd", "--system", "--user-group", "--no-create-home",
                             "--comment", self.comment, "--home-dir", str(home),
                             "--shell", "/usr/sbin/nologin", name])
        elif account.home != home or account.comment != self.comment:
            # SenLab's own account, made for this or another SENLAB_HOME (moved since).
            self.system.run(["usermod", "--home", str(home), "--comment", self.comment, name])
        made = self.lookup(name)
        if made is None:
            raise AccountError(f"system account {name!r}: useradd succeeded but the "
                               "account cannot be found")
        return made

    def every(self) -> list[Account]:
        """Every account SenLab made on this machine, for any SENLAB_HOME, by name."""
        found = (Account.from_entry(entry) for entry in self.system.getpwall())
        return sorted((a for a in found if a.made_by_senlab), key=lambda a: a.name)

    def mine(self) -> list[Account]:
        """The accounts SenLab made for this SENLAB_HOME."""
        return [a for a in self.every() if a.senlab_home == self.home]

    def removable(self, names: list[str]) -> list[Account]:
        """The accounts to remove, all checked first: a name SenLab did not make is refused."""
        accounts = []
        for name in names:
            account = self.check(name)
            if account is None:
                raise AccountError(f"system account {name!r}: there is no such account")
            accounts.append(account)
        return accounts

    def remove(self, account: Account) -> Removal:
        """Remove one of SenLab's accounts, its own group and its home under SENLAB_HOME/users."""
        if not account.made_by_senlab:
            raise AccountClash(account.name, "SenLab did not make it and will not remove it")
        group = self._own_group(account)
        self.system.run(["userdel", account.name])
        group_removed = False
        if group is not None:
            try:
                self.system.getgrnam(account.name)
            except KeyError:
                group_removed = True  # userdel removed it (USERGROUPS_ENAB)
            else:
                self.system.run(["groupdel", account.name])
                group_removed = True
        home = self.home_of(account.name)
        if account.home == home and home.is_dir() and not home.is_symlink():
            self.system.remove_tree(home)
            return Removal(account.name, group_removed, home, None)
        kept = account.home if account.home.exists() else None
        return Removal(account.name, group_removed, None, kept)

    def _own_group(self, account: Account) -> grp.struct_group | None:
        """The group `useradd --user-group` made with the account, if no one else uses it."""
        try:
            group = self.system.getgrnam(account.name)
        except KeyError:
            return None
        others = [e.pw_name for e in self.system.getpwall()
                  if e.pw_gid == group.gr_gid and e.pw_name != account.name]
        if group.gr_gid != account.gid or group.gr_mem or others:
            return None
        return group


def local_accounts(home: Path) -> SystemAccounts | None:
    """The accounts the local spawner will use for SENLAB_HOME `home`, when it uses any."""
    return SystemAccounts(home) if isolated() else None
