"""A private Mosquitto for tests, benchmarks and demos: temp folder, free port, real ACL.

``LocalBroker`` writes a config with ``allow_anonymous false``, a password file made
with ``mosquitto_passwd -b`` and an ACL file in the shape the platform uses (each trainee
reaches ``labs/<name>/#`` through ``pattern readwrite labs/%u/#``; the fleet's service
account ``senlab-fleet`` reaches ``labs/#``), starts it, and stops it. ``restart()``
stops and starts it on the same port, with its persistence file, as an operator would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

FLEET_USER = "senlab-fleet"
ACL_TEMPLATE = f"""\
# The fleet's service account reaches every lab.
user {FLEET_USER}
topic readwrite labs/#
topic readwrite spBv1.0/#

# Every other account reaches its own subtree only.
pattern readwrite labs/%u/#
pattern readwrite spBv1.0/%u/#
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalBroker:
    """One Mosquitto process in ``folder``, listening on 127.0.0.1:``port``."""

    def __init__(self, folder: Path, users: dict[str, str], *, max_queued: int = 1000,
                 max_inflight: int = 20, persistence: bool = True,
                 mosquitto: str = "mosquitto", mosquitto_passwd: str = "mosquitto_passwd",
                 extra_acl: str = "") -> None:
        self.folder = folder
        self.users = users
        self.port = free_port()
        self.max_queued = max_queued
        self.max_inflight = max_inflight
        self.persistence = persistence
        found = shutil.which(mosquitto) or shutil.which(f"/usr/sbin/{mosquitto}")
        found_passwd = shutil.which(mosquitto_passwd)
        if found is None or found_passwd is None:
            raise FileNotFoundError("Mosquitto is not installed (apt-get install mosquitto "
                                    "mosquitto-clients)")
        self.mosquitto: str = found
        self.mosquitto_passwd: str = found_passwd
        self.extra_acl = extra_acl
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = folder / "mosquitto.log"
        self.unix_path = str(folder / "mqtt.sock")

    def write_files(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        passwd = self.folder / "passwd"
        passwd.write_text("")
        for user, password in self.users.items():
            subprocess.run([self.mosquitto_passwd, "-b", str(passwd), user, password],
                           check=True, capture_output=True)
        acl = self.folder / "acl"
        acl.write_text(ACL_TEMPLATE + self.extra_acl)
        lines = [
            f"listener {self.port} 127.0.0.1",
            f"listener 0 {self.unix_path}",
            "allow_anonymous false",
            f"password_file {passwd}",
            f"acl_file {acl}",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.folder}/",
            f"max_queued_messages {self.max_queued}",
            f"max_inflight_messages {self.max_inflight}",
            # Without it the broker's small writes wait for the reader's delayed ACK
            # (Nagle's algorithm): up to 40-200 ms of latency on every hop out.
            "set_tcp_nodelay true",
            f"log_dest file {self.log_path}",
            "log_type error", "log_type warning", "log_type notice",
        ]
        if os.geteuid() == 0:
            # As root Mosquitto would drop to the `mosquitto` user, who cannot read our
            # temporary files; this broker runs as the user who started it.
            lines.append("user root")
        config = self.folder / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self, timeout: float = 10.0) -> None:
        config = self.write_files()
        self.process = subprocess.Popen([self.mosquitto, "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited with {self.process.returncode}: {error}"
                                   f" (log {self.log_path})")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"mosquitto did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
