"""A Mosquitto of its own, for live validation, tests and benchmarks: SenLab's real broker.

`PrivateBroker` runs Mosquitto from a folder that is its own `SENLAB_HOME`, on a free
loopback port, with the accounts, ACL and mosquitto.conf that `senlab up` writes
(`senlab.broker.accounts`, `.acl`, `.config`): what runs against it runs against the
production broker's rules. Only the limits and persistence its caller asks for differ,
and it runs as the user who starts it, because a temporary folder need not be readable
by the `mosquitto` user.

With `tls=True` it also listens with TLS on another free loopback port, with the CA and
server certificate `senlab.broker.tls` makes under its folder (or the operator files its
`settings` name), as the production broker does on `SENLAB_MQTT_TLS_PORT`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from senlab.broker.accounts import BrokerAccounts, Credentials
from senlab.broker.config import MAX_INFLIGHT_MESSAGES, write_broker_config
from senlab.broker.tls import client_cafile
from senlab.settings import Settings


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _another_free_port(taken: int) -> int:
    while (port := free_port()) == taken:
        pass
    return port


class PrivateBroker:
    """One Mosquitto in `folder`, listening on 127.0.0.1:`port`.

    Make the accounts (`trainee`, `device`; the fleet's always exists) before `start`:
    one made while the broker runs reaches it with its reload (SIGHUP), a moment later.
    """

    def __init__(self, folder: Path, *, mosquitto: str = "mosquitto",
                 max_queued: int | None = None, max_inflight: int = MAX_INFLIGHT_MESSAGES,
                 persistence: bool = True, unix_socket: bool = False, tls: bool = False,
                 settings: Mapping[str, object] | None = None) -> None:
        found = shutil.which(mosquitto) or shutil.which(f"/usr/sbin/{mosquitto}")
        if found is None:
            raise FileNotFoundError(f"Mosquitto is not installed ({mosquitto!r} not found): "
                                    "apt-get install mosquitto, or set SENLAB_MOSQUITTO")
        self.mosquitto = found
        given: dict[str, object] = {"home": folder, "mqtt_host": "127.0.0.1",
                                    "mqtt_port": free_port(), "mqtt_tls_host": "127.0.0.1",
                                    "mqtt_tls_port": 0}
        if tls:
            given["mqtt_tls_port"] = _another_free_port(int(str(given["mqtt_port"])))
        given.update(settings or {})
        self.settings = Settings(**given)  # type: ignore[arg-type]
        self.accounts = BrokerAccounts(self.settings)
        self.max_queued, self.max_inflight = max_queued, max_inflight
        self.persistence = persistence
        self.unix_path = str(self.settings.home / "mqtt.sock") if unix_socket else None
        self.log_path = self.settings.log_dir / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.settings.mqtt_port

    @property
    def tls_port(self) -> int:
        """The TLS listener's port (0: none)."""
        return self.settings.mqtt_tls_port

    @property
    def cafile(self) -> Path | None:
        """The CA certificate a client verifies the TLS listener with."""
        return client_cafile(self.settings)

    @property
    def fleet(self) -> Credentials:
        """The fleet's account, which reaches every lab (`write_broker_config` makes it)."""
        return self.accounts.service("fleet")

    def trainee(self, name: str) -> Credentials:
        """A trainee's account, as the hub makes it."""
        return self.accounts.trainee(name)

    def device(self, trainee: str, lab: str, device: str) -> Credentials:
        """A real device's account, as `senlab device register` makes it."""
        return self.accounts.device(trainee, lab, device)

    def rotate_device(self, trainee: str, lab: str, device: str) -> Credentials:
        """A device's new password, as `senlab device rotate` gives it (the broker reloads)."""
        return self.accounts.rotate_device(trainee, lab, device)

    def start(self, timeout: float = 10.0) -> None:
        # As root Mosquitto would drop to the `mosquitto` user, who may not pass through
        # the caller's temporary folders; this broker runs as whoever started it.
        run_as = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
        config = write_broker_config(
            self.settings, max_queued=self.max_queued, max_inflight=self.max_inflight,
            persistence=self.persistence, run_as=run_as,
            unix_socket=Path(self.unix_path) if self.unix_path else None,
        )
        self.process = subprocess.Popen([self.mosquitto, "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        waiting = [port for port in (self.port, self.tls_port) if port]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited with {self.process.returncode}: "
                                   f"{error.strip()} (log {self.log_path})")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", waiting[0])) == 0:
                    waiting.pop(0)
                    if not waiting:
                        return
                    continue
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"mosquitto did not listen on {self.port} within {timeout:g} s "
                           f"(log {self.log_path})")

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
        """Stop and start on the same port, with its persistence file, as an operator would."""
        self.stop()
        self.start()

    def __enter__(self) -> PrivateBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
