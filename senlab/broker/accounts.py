"""Broker accounts: trainees, real devices and SenLab's own services, and their topics.

A trainee reaches `labs/<trainee>/#` (and `spBv1.0/<trainee>/#` for Sparkplug B) and
nothing else. A registered device reaches its own subtree
`labs/<trainee>/<lab>/<device>/#`. A service such as the fleet reaches every lab.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import pwd
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from senlab.broker.passwords import derive_password, mosquitto_hash
from senlab.settings import Settings

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
SERVICE_PREFIX = "senlab-"
BROKER_USER = "mosquitto"


class InvalidAccountName(ValueError):
    """A trainee, lab or device name that cannot name a broker account or topic level."""


@dataclass(frozen=True)
class Credentials:
    """What a client needs to reach its part of the broker."""

    username: str
    password: str
    topic_root: str
    host: str
    port: int


def check_name(kind: str, value: str) -> str:
    """Refuse names that are not safe as one MQTT topic level and one account name."""
    if not NAME_PATTERN.match(value or ""):
        raise InvalidAccountName(
            f"{kind} {value!r} is not a valid name: use 1-64 lowercase letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    if kind != "service" and value.startswith(SERVICE_PREFIX):
        raise InvalidAccountName(f"{kind} {value!r}: names starting with "
                                 f"{SERVICE_PREFIX!r} are reserved for SenLab's services")
    return value


def broker_runs_as_other_user() -> bool:
    """Mosquitto started as root drops to the `mosquitto` user, if that user exists."""
    if os.geteuid() != 0:
        return False
    try:
        pwd.getpwnam(BROKER_USER)
    except KeyError:
        return False
    return True


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
        check_name("trainee", name)
        topics = [f"labs/{name}/#", f"spBv1.0/{name}/#"]
        return self._ensure(name, kind="trainee", topics=topics, root=f"labs/{name}")

    def device(self, trainee: str, lab: str, device: str) -> Credentials:
        """The credentials of one real device, limited to its own subtree."""
        check_name("trainee", trainee)
        check_name("lab", lab)
        check_name("device", device)
        root = f"labs/{trainee}/{lab}/{device}"
        return self._ensure(
            f"device:{trainee}:{lab}:{device}", kind="device", topics=[f"{root}/#"], root=root
        )

    def service(self, name: str) -> Credentials:
        """The credentials of a SenLab service (the fleet), which reaches every lab."""
        check_name("service", name)
        return self._ensure(
            SERVICE_PREFIX + name, kind="service", topics=["labs/#", "spBv1.0/#"], root="labs"
        )

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

    def _credentials(self, username: str, root: str) -> Credentials:
        return Credentials(
            username=username,
            password=derive_password(self._key(), username),
            topic_root=root,
            host=self.settings.mqtt_host,
            port=self.settings.mqtt_port,
        )

    def _ensure(self, username: str, *, kind: str, topics: list[str], root: str) -> Credentials:
        entry = {"kind": kind, "topics": topics}
        with self._locked():
            registry = self._read_registry()
            changed = registry["accounts"].get(username) != entry
            if changed:
                registry["accounts"][username] = entry
                self._write_all(registry)
        if changed:
            self.reload()
        return self._credentials(username, root)

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
        if not isinstance(registry.get("accounts"), dict):
            raise ValueError(f"{self.registry_path}: field 'accounts' must be an object")
        return registry

    def _key_id(self) -> str:
        return hmac.new(self._key().encode(), b"key-id", hashlib.sha256).hexdigest()[:16]

    def _write_all(self, registry: dict) -> None:
        key_id = self._key_id()
        kept = self._existing_hashes() if registry.get("key_id") == key_id else {}
        registry["key_id"] = key_id
        lines = []
        for username in sorted(registry["accounts"]):
            stored = kept.get(username) or mosquitto_hash(derive_password(self._key(), username))
            lines.append(f"{username}:{stored}\n")
        self._replace(self.passwd_path, "".join(lines))
        self._replace(self.acl_path, render_acl(registry["accounts"]))
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


def render_acl(accounts: dict[str, dict]) -> str:
    """Mosquitto's ACL file: one `user` block per account, no patterns, nothing anonymous."""
    blocks = ["# Written by SenLab from accounts.json; edits here are overwritten.\n"]
    for username in sorted(accounts):
        topics = "".join(f"topic readwrite {topic}\n" for topic in accounts[username]["topics"])
        blocks.append(f"\nuser {username}\n{topics}")
    return "".join(blocks)
