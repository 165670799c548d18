"""Who may read and write which topics on the lab broker: the one rule, and its ACL file.

Every broker account is one of three kinds, and its rights follow from its kind and name:

| account | user name | may reach |
| --- | --- | --- |
| trainee | `<trainee>` | `labs/<trainee>/#`; Sparkplug group and host `<trainee>` |
| device | `device/<trainee>/<lab>/<device>` | `labs/<trainee>/<lab>/<device>/#`; its edge node |
| service | `senlab-<name>` | every lab: `labs/#`, `spBv1.0/#` |

Sparkplug B 3.0 (chapter 4, "Topics and Messages") names topics
`spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]` (tck-id-topic-structure)
and gives each host application the topic `spBv1.0/STATE/<sparkplug_host_id>`
(tck-id-host-topic-phid-birth-topic). SenLab's contract: a trainee's group id is their
name, and so is the id of their primary host application. The host id is the name
itself, not `<name>-<suffix>`: an ACL line cannot match a prefix of one topic level, and
`an-2` would be another trainee's host. Names are lowercase (`NAME_PATTERN`), so no
trainee's group can be the upper-case `STATE`.

A device's edge node is `<lab>-<device>` in its trainee's group, as the fleet names its
emulated ones (`lab_devices.mqtt.sparkplug.edge_node_id`); it publishes its births,
deaths and data, reads its commands (NCMD, DCMD) and its host's STATE, as the spec's
edge node does (tck-id-host-topic-phid-birth-sub-required describes the host's side).

The ACL file has one `user` block per account and no `pattern` lines, so what an account
may reach is written out in full; there are no lines before the first `user`, so a client
without a user name reaches nothing (and `allow_anonymous false` refuses it anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from lab_devices.mqtt.sparkplug import NAMESPACE as SPARKPLUG
from lab_devices.mqtt.sparkplug import edge_node_id

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
SERVICE_PREFIX = "senlab-"
# Mosquitto's password file ends a user name at the first ':', so a device's name
# separates its parts with '/', which no trainee, lab or device name contains.
DEVICE_PREFIX = "device/"
KINDS = ("trainee", "device", "service")

Kind = Literal["trainee", "device", "service"]
Access = Literal["read", "write", "readwrite"]


class InvalidAccountName(ValueError):
    """A trainee, lab or device name that cannot name a broker account or topic level."""


@dataclass(frozen=True)
class Grant:
    """One ACL line: `topic <access> <topic filter>`."""

    access: Access
    topic: str


@dataclass(frozen=True)
class Account:
    """One broker account: its user name, its kind, where its topics start, what it reaches."""

    username: str
    kind: Kind
    topic_root: str
    grants: tuple[Grant, ...]


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


def sparkplug_host_id(trainee: str) -> str:
    """The id of the trainee's Sparkplug primary host application: their name."""
    return check_name("trainee", trainee)


def trainee(name: str) -> Account:
    """A hub user: their own subtree, Sparkplug group and primary host's STATE."""
    check_name("trainee", name)
    return Account(name, "trainee", f"labs/{name}", (
        Grant("readwrite", f"labs/{name}/#"),
        Grant("readwrite", f"{SPARKPLUG}/{name}/#"),
        Grant("readwrite", f"{SPARKPLUG}/STATE/{sparkplug_host_id(name)}"),
    ))


def device(trainee: str, lab: str, device: str) -> Account:
    """A real device: its own subtree and its own Sparkplug edge node, nothing else."""
    check_name("trainee", trainee)
    check_name("lab", lab)
    check_name("device", device)
    root = f"labs/{trainee}/{lab}/{device}"
    node = f"{SPARKPLUG}/{trainee}/{{}}/{edge_node_id(lab, device)}"
    grants = [Grant("readwrite", f"{root}/#")]
    grants += [Grant("write", node.format(kind)) for kind in ("NBIRTH", "NDEATH", "NDATA")]
    grants += [Grant("write", node.format(kind) + "/+") for kind in ("DBIRTH", "DDEATH", "DDATA")]
    grants += [Grant("read", node.format("NCMD")), Grant("read", node.format("DCMD") + "/+"),
               Grant("read", f"{SPARKPLUG}/STATE/{sparkplug_host_id(trainee)}")]
    return Account(f"{DEVICE_PREFIX}{trainee}/{lab}/{device}", "device", root, tuple(grants))


def service(name: str) -> Account:
    """A SenLab service (the fleet): every lab, for every trainee."""
    check_name("service", name)
    return Account(SERVICE_PREFIX + name, "service", "labs", (
        Grant("readwrite", "labs/#"), Grant("readwrite", f"{SPARKPLUG}/#"),
    ))


def account_of(username: str, kind: str) -> Account:
    """The account a registry names by user name and kind, with today's rights."""
    if kind == "trainee":
        return trainee(username)
    if kind == "service" and username.startswith(SERVICE_PREFIX):
        return service(username.removeprefix(SERVICE_PREFIX))
    if kind == "device" and username.startswith(DEVICE_PREFIX):
        parts = username.removeprefix(DEVICE_PREFIX).split("/")
        if len(parts) == 3:
            return device(*parts)
    if kind not in KINDS:
        raise InvalidAccountName(f"account {username!r}: kind {kind!r} is not one of "
                                 f"{', '.join(KINDS)}")
    shape = {"service": f"{SERVICE_PREFIX}<name>",
             "device": f"{DEVICE_PREFIX}<trainee>/<lab>/<device>"}[kind]
    raise InvalidAccountName(f"account {username!r} is not a {kind}'s user name ({shape}); "
                             "remove it and make the account again")


def render_acl(accounts: Iterable[Account]) -> str:
    """Mosquitto's ACL file: one `user` block per account, no patterns, nothing anonymous."""
    blocks = ["# Written by SenLab from accounts.json; edits here are overwritten.\n"]
    seen: set[str] = set()
    for account in sorted(accounts, key=lambda a: a.username):
        if account.username in seen:
            raise InvalidAccountName(f"account {account.username!r} is listed twice")
        seen.add(account.username)
        lines = "".join(f"topic {g.access} {g.topic}\n" for g in account.grants)
        blocks.append(f"\nuser {account.username}\n{lines}")
    return "".join(blocks)
