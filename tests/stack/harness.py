"""Helpers to run a real SenLab stack (`senlab up --demo`) on free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from senlab.hub.accounts import SystemAccounts

REPO = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "lab-demo-2026-dt"
PORT_SETTINGS = ("HUB_PORT", "HUB_API_PORT", "PROXY_API_PORT", "PROGRESS_PORT",
                 "FLEET_PORT", "MQTT_PORT", "MQTT_TLS_PORT")


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def process_environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, value in pairs}


def live_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z":
                pids.append(int(entry.name))
    return pids


@dataclass
class Stack:
    """One running `senlab up --demo`."""

    proc: subprocess.Popen
    home: Path
    env: dict[str, str]
    ports: dict[str, int]
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['HUB_PORT']}"

    def stack_id(self) -> str:
        """The SENLAB_STACK_ID that every process of this stack carries."""
        for pid in live_pids():
            environ = process_environ(pid)
            if environ.get("SENLAB_HOME") == str(self.home) and environ.get("SENLAB_STACK_ID"):
                return environ["SENLAB_STACK_ID"]
        raise AssertionError("no process of this stack carries SENLAB_STACK_ID")

    def processes(self, stack_id: str | None = None, **match: str) -> list[int]:
        """Pids of live processes of this stack whose environment has all of `match`."""
        match["SENLAB_STACK_ID"] = stack_id or self.stack_id()
        return [pid for pid in live_pids()
                if all(process_environ(pid).get(k) == v for k, v in match.items())]

    def stop(self, timeout: float = 15) -> float:
        """SIGTERM `senlab up`; return how long it took to exit."""
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout)
        return time.monotonic() - started


def reachable_tmpdir() -> Path:
    """A temporary folder the broker's and trainees' system accounts can pass through."""
    folder = Path(tempfile.mkdtemp(prefix="senlab-test-"))
    folder.chmod(0o711)
    return folder


def start_stack(tmp: Path, **extra_env: str) -> Stack:
    ports = dict(zip(PORT_SETTINGS, free_ports(len(PORT_SETTINGS)), strict=True))
    home = tmp / "home"
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENLAB_")}
    env.update({f"SENLAB_{name}": str(port) for name, port in ports.items()})
    env.update(SENLAB_HOME=str(home), SENLAB_DEMO_PASSWORD=DEMO_PASSWORD, **extra_env)
    output = tmp / "senlab-up.log"
    with open(output, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "senlab.cli", "up", "--demo"], cwd=REPO, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    stack = Stack(proc=proc, home=home, env=env, ports=ports, output=output)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"senlab up exited {proc.returncode}:\n{output.read_text()}\n"
                        f"{(home / 'log' / 'hub.log').read_text()[-4000:]}")
        if (home / "run" / "ready.json").exists():  # written once every part answers
            return stack
        time.sleep(0.5)
    stack.stop()
    pytest.fail(f"senlab up did not come up in 120 s:\n{output.read_text()}")


@contextmanager
def running_stack(**extra_env: str) -> Iterator[Stack]:
    """`senlab up --demo` in a fresh folder, stopped (and the folder removed) on exit."""
    tmp = reachable_tmpdir()
    running = start_stack(tmp, **extra_env)
    try:
        yield running
    finally:
        try:
            running.stop()
        except subprocess.TimeoutExpired:
            os.killpg(running.proc.pid, signal.SIGKILL)
        if os.geteuid() == 0:  # the accounts its servers ran as go, by the operator's command
            stop_account_processes(running.home)
            subprocess.run([sys.executable, "-m", "senlab.cli", "accounts", "remove", "--all",
                            "--yes"], cwd=REPO, env=running.env, capture_output=True)
        if not os.environ.get("SENLAB_TEST_KEEP_HOME"):  # keep it to read the logs
            shutil.rmtree(tmp, ignore_errors=True)


def stop_account_processes(home: Path, timeout: float = 10) -> None:
    """Kill what still runs as this stack's accounts (a server or kernel the hub had not
    finished stopping, slower on a busy machine): userdel refuses an account in use, and the
    next stack's spawner could then not point that account at its own home."""
    names = [account.name for account in SystemAccounts(home).mine()]
    deadline = time.monotonic() + timeout
    while names and time.monotonic() < deadline:
        running = [n for n in names
                   if subprocess.run(["pgrep", "-u", n], capture_output=True).returncode == 0]
        if not running:
            return
        for name in running:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        time.sleep(0.2)


def login(stack: Stack, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
    """Log in through the hub's login form, as a browser does; return the client."""
    client = httpx.Client(base_url=stack.url, follow_redirects=True, timeout=30)
    client.get("/hub/login")
    xsrf = client.cookies.get("_xsrf")
    response = client.post(
        "/hub/login?next=", data={"username": username, "password": password, "_xsrf": xsrf}
    )
    response.raise_for_status()
    return client
