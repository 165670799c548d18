"""Broker accounts: the registry of who has one, and the files Mosquitto reads from it.

`SENLAB_HOME/broker/accounts.json` lists every account by user name and kind (never
passwords, never topics: what an account may reach is `senlab.broker.acl`'s rule, so a
change of the rule reaches every account at the next write). From the registry SenLab
writes Mosquitto's password file and ACL file, then asks the running broker to reload.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import pwd
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from senlab.broker import acl
from senlab.broker.acl import Account
from senlab.broker.passwords import derive_password, mosquitto_hash
from senlab.settings import Settings

BROKER_USER = "mosquitto"


@dataclass(frozen=True)
class Credentials:
    """What a client needs to reach its part of the broker."""

    username: str
    password: str
    topic_root: str
    host: str
    port: int


def broker_runs_as_other_user() -> bool:
    """Mosquitto started as root drops to the `mosquitto` user, if that user exists."""
    if os.geteuid() != 0:
        return False
    try:
        pwd.getpwnam(BROKER_USER)
    except KeyError:
        return False
    return True


class UnknownAccount(LookupError):
    """An account the registry does not hold; the message names it."""


class BrokerAccounts:
    """The registry of broker accounts under `SENLAB_HOME/broker/`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.folder = settings.home / "broker"
        self.registry_path = self.folder / "accounts.json"
        self.passwd_path = self.folder / "passwd"
        self.acl_path = self.folder / "acl"
        self.pid_path = self.folder / "mosquitto.pid"
        self._lock_path = self.folder / ".lock"

    # -- public API -------------------------------------------------------------------
    def trainee(self, name: str) -> Credentials:
        """The credentials of a hub user, created on first use."""
        return self._ensure(acl.trainee(name))

    def device(self, trainee: str, lab: str, device: str) -> Credentials:
        """The credentials of one real device, limited to its own subtree."""
        return self._ensure(acl.device(trainee, lab, device))

    def service(self, name: str) -> Credentials:
        """The credentials of a SenLab service (the fleet), which reaches every lab."""
        return self._ensure(acl.service(name))

    def rotate_device(self, trainee: str, lab: str, device: str, *,
                      reload: bool = True) -> Credentials:
        """Give a registered device a new password and retire the old one at once.

        The password file is written without the old hash and the broker reloads it
        (SIGHUP; `reload=False` leaves that to the caller, who wants to know whether it
        worked). Mosquitto 2.0.11 then refuses the old password and disconnects a client
        still connected with it (checked in tests/broker/test_rotate.py). UnknownAccount
        names a device that was never registered.
        """
        account = acl.device(trainee, lab, device)
        with self._locked():
            registry = self._read_registry()
            entry = registry["accounts"].get(account.username)
            if entry is None or entry.get("kind") != account.kind:
                raise UnknownAccount(f"no device {account.username} is registered: "
                                     f"`senlab device register --trainee {trainee} --lab {lab} "
                                     f"--id {device}` gives it an account first")
            entry["rotation"] = self._rotation_of(account.username, entry) + 1
            self._write_all(registry, fresh={account.username})
            rotation = entry["rotation"]
        if reload:
            self.reload()
        return self._credentials(account, rotation)

    def remove(self, username: str) -> bool:
        """Delete an account; its clients are refused from the next reload on."""
        with self._locked():
            registry = self._read_registry()
            found = registry["accounts"].pop(username, None) is not None
            if found:
                self._write_all(registry)
        if found:
            self.reload()
        return found

    def usernames(self) -> list[str]:
        with self._locked():
            return sorted(self._read_registry()["accounts"])

    def sync(self) -> None:
        """Write the password and ACL files from the registry (at start, or after a key change)."""
        with self._locked():
            self._write_all(self._read_registry())

    def reload(self) -> bool:
        """Ask a running broker to reread its password and ACL files (SIGHUP)."""
        try:
            pid = int(self.pid_path.read_text().strip())
            os.kill(pid, signal.SIGHUP)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return False
        return True

    # -- internals --------------------------------------------------------------------
    def _key(self) -> str:
        return self.settings.secret("broker-key")

    def _credentials(self, account: Account, rotation: int = 0) -> Credentials:
        return Credentials(
            username=account.username,
            password=derive_password(self._key(), _derivation_name(account.username, rotation)),
            topic_root=account.topic_root,
            host=self.settings.mqtt_host,
            port=self.settings.mqtt_port,
        )

    def _ensure(self, account: Account) -> Credentials:
        with self._locked():
            registry = self._read_registry()
            entry = registry["accounts"].get(account.username)
            changed = entry is None or entry.get("kind") != account.kind
            if changed:
                entry = {"kind": account.kind}
                registry["accounts"][account.username] = entry
                self._write_all(registry)
            rotation = self._rotation_of(account.username, entry)
        if changed:
            self.reload()
        return self._credentials(account, rotation)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_registry(self) -> dict:
        try:
            registry = json.loads(self.registry_path.read_text())
        except FileNotFoundError:
            return {"key_id": None, "accounts": {}}
        except json.JSONDecodeError as err:
            raise ValueError(f"{self.registry_path}: not valid JSON ({err})") from err
        accounts = registry.get("accounts")
        if not isinstance(accounts, dict) or not all(
            isinstance(entry, dict) for entry in accounts.values()
        ):
            raise ValueError(f"{self.registry_path}: field 'accounts' must be an object "
                             "of objects")
        return registry

    def _accounts(self, registry: dict) -> list[Account]:
        """Each registered account with the rule's rights; a bad entry is named."""
        found = []
        for username, entry in registry["accounts"].items():
            try:
                found.append(acl.account_of(username, str(entry.get("kind"))))
            except acl.InvalidAccountName as err:
                raise ValueError(f"{self.registry_path}: accounts.{username}: {err}") from err
        return found

    def _rotation_of(self, username: str, entry: dict) -> int:
        try:
            return _rotation(entry)
        except RegistryFieldError as err:
            raise ValueError(f"{self.registry_path}: accounts.{username}: {err}") from err

    def _key_id(self) -> str:
        return hmac.new(self._key().encode(), b"key-id", hashlib.sha256).hexdigest()[:16]

    def _write_all(self, registry: dict, *, fresh: frozenset[str] | set[str] = frozenset()
                   ) -> None:
        """Write the three files; the accounts in `fresh` get a new hash (a rotation)."""
        accounts = self._accounts(registry)  # before anything is written
        rotations = {a.username: self._rotation_of(a.username, registry["accounts"][a.username])
                     for a in accounts}
        key_id = self._key_id()
        kept = self._existing_hashes() if registry.get("key_id") == key_id else {}
        registry = {"key_id": key_id, "accounts": {
            a.username: {"kind": a.kind, **({"rotation": rotations[a.username]}
                                            if rotations[a.username] else {})}
            for a in accounts}}
        lines = []
        for username in sorted(registry["accounts"]):
            stored = None if username in fresh else kept.get(username)
            stored = stored or mosquitto_hash(derive_password(
                self._key(), _derivation_name(username, rotations[username])))
            lines.append(f"{username}:{stored}\n")
        self._replace(self.passwd_path, "".join(lines))
        self._replace(self.acl_path, acl.render_acl(accounts))
        self._replace(self.registry_path, json.dumps(registry, indent=1, sort_keys=True) + "\n")

    def _existing_hashes(self) -> dict[str, str]:
        try:
            text = self.passwd_path.read_text()
        except FileNotFoundError:
            return {}
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def _replace(self, path: Path, text: str) -> None:
        """Write a file whole, then swap it in: a reader never sees half of it."""
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if broker_runs_as_other_user():
            entry = pwd.getpwnam(BROKER_USER)
            os.chown(tmp, entry.pw_uid, entry.pw_gid)
        os.replace(tmp, path)


def _rotation(entry: dict) -> int:
    """How many times an account's password was rotated (0 when never).

    A count that is not a whole number >= 0 is an error (RegistryFieldError), never read as
    0: that would bring back a password that was retired.
    """
    value = entry.get("rotation", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RegistryFieldError(f"field 'rotation' must be a whole number >= 0, not {value!r}")
    return value


class RegistryFieldError(ValueError):
    """A bad field in one registry entry (the caller names the file and the account)."""


def _derivation_name(username: str, rotation: int) -> str:
    """What the password is derived from: the user name, then `#<n>` after the n-th rotation.

    `#` is in no account name (`acl.check_name` refuses it), so no rotation of one account
    derives another account's password.
    """
    return username if rotation == 0 else f"{username}#{rotation}"
