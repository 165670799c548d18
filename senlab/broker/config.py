"""Mosquitto's configuration file, written from the settings.

The lab broker of `senlab up` and every private broker (live validation, tests, benchmarks:
`senlab.broker.private`) are written here, from the same accounts and ACL; a private one
differs only in what `write_broker_config` takes as keywords.

Beside the plain listener (`SENLAB_MQTT_HOST`:`SENLAB_MQTT_PORT`, loopback by default) the
broker listens with TLS on `SENLAB_MQTT_TLS_PORT` (`senlab.broker.tls`) unless it is 0.
`per_listener_settings false` keeps one set of rules for both: the same password file, ACL
and `allow_anonymous false` on every listener.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from senlab.broker.accounts import BROKER_USER, BrokerAccounts, broker_runs_as_other_user
from senlab.broker.tls import TLS_MIN_VERSION, BrokerTLS, ensure_broker_tls
from senlab.settings import Settings

# Mosquitto drops messages past a subscriber's queue while still acking the publisher,
# so a slow notebook would lose lab data without an error. These limits are set on
# purpose: a queue deep enough for ten minutes of a lab's telemetry, and more QoS 1
# messages in flight than the default 20.
MAX_INFLIGHT_MESSAGES = 100

# Seconds between Mosquitto's saves of its sessions and retained messages (see below).
AUTOSAVE_S = 2


def write_broker_config(settings: Settings, *, max_queued: int | None = None,
                        max_inflight: int = MAX_INFLIGHT_MESSAGES, persistence: bool = True,
                        run_as: str | None = None, unix_socket: Path | None = None) -> Path:
    """Write `SENLAB_HOME/broker/mosquitto.conf` and the account files; return its path.

    `run_as` names the user a Mosquitto started as root runs as: by default `mosquitto`
    when that user exists, as Mosquitto itself would choose, and the files are handed to
    it. `unix_socket` adds a listener on that path beside the TCP one. The TLS listener's
    files are made first (`ensure_broker_tls`): a missing operator file stops here, named
    (TLSSettingError, a ValueError), before anything is written.
    """
    tls = ensure_broker_tls(settings)
    accounts = BrokerAccounts(settings)
    accounts.service("fleet")
    accounts.sync()
    folder = accounts.folder
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    log = settings.log_dir / "mosquitto.log"
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    log.touch(mode=0o600, exist_ok=True)
    lines = [
        "# Written by SenLab (senlab.broker.config); edit the SENLAB_ settings instead.",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {accounts.passwd_path}",
        f"acl_file {accounts.acl_path}",
        f"listener {settings.mqtt_port} {settings.mqtt_host}",
        *([f"listener 0 {unix_socket}"] if unix_socket else []),
        f"persistence {'true' if persistence else 'false'}",
        f"persistence_location {data}/",
        # Sessions and retained messages are saved every 2 s, not Mosquitto's 30 min nor
        # our old 30 s: a broker killed (SIGKILL, OOM) and restarted by the hub loses at
        # most the last 2 s of them. (Devices republish their retained state anyway.)
        f"autosave_interval {AUTOSAVE_S}",
        f"pid_file {accounts.pid_path}",
        f"log_dest file {log}",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
        "connection_messages true",
        f"max_queued_messages {max_queued or settings.broker_max_queued}",
        "max_queued_bytes 0",
        f"max_inflight_messages {max_inflight}",
        "max_packet_size 262144",
        # Nagle's algorithm would hold each small lab message back by up to 200 ms.
        "set_tcp_nodelay true",
        # A device session the fleet left behind (it crashed) is forgotten after a day.
        "persistent_client_expiration 1d",
        *tls_listener(settings, tls),
    ]
    if run_as is None and broker_runs_as_other_user():
        run_as = BROKER_USER
    if run_as is not None:
        lines.append(f"user {run_as}")
    if run_as == BROKER_USER:
        entry = pwd.getpwnam(BROKER_USER)
        # SenLab's own server key and certificate are handed over too (the CA key is not:
        # the broker never signs anything); an operator's files are theirs to make readable.
        own_tls = (tls.certfile, tls.keyfile) if tls is not None and tls.generated else ()
        for path in (folder, data, log, *data.iterdir(), *own_tls):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    conf = folder / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


def tls_listener(settings: Settings, tls: BrokerTLS | None) -> list[str]:
    """The TLS listener's lines (none when it is off); they come last, after every global one.

    Each option below `listener` belongs to that listener (mosquitto.conf(5), 2.0.11).
    No `cafile`: it is only "trusted when checking incoming client certificates", and
    devices log in with their account's password, as on the plain port.
    """
    if tls is None:
        return []
    host = "" if settings.mqtt_tls_host in ("", "*") else f" {settings.mqtt_tls_host}"
    return [
        f"listener {settings.mqtt_tls_port}{host}",
        f"certfile {tls.certfile}",
        f"keyfile {tls.keyfile}",
        f"tls_version {TLS_MIN_VERSION}",
    ]
