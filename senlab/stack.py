"""`senlab up`: check what the stack needs, write its configs, run the hub, stop it all.

The hub is the supervisor: it starts the broker, the progress service, the fleet and the
grader, and restarts them. This module only starts the hub, waits until every part
answers (`probe`), and on Ctrl-C or SIGTERM stops it and makes sure that nothing it
started is left behind. While the stack is up, ``SENLAB_HOME/run/ready.json`` says so
(its URL and pid), for whatever waits for it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from lab_devices.mqtt.codec import encode_connect
from senlab.broker import BrokerAccounts, write_broker_config
from senlab.courses import CourseError, course_root
from senlab.demo import load_demo
from senlab.grading.publish import publish
from senlab.hub.accounts import AccountClash, local_accounts
from senlab.hub.cohort import demo_cohort, write_roster_csv
from senlab.hub.config import venv_bin
from senlab.hub.courses import course_group_name, ensure_course_group
from senlab.roster_import import import_roster
from senlab.settings import Settings, process_environment

STOP_SECONDS = 12  # the hub's own clean-up; everything is gone within 15 s


class StackError(RuntimeError):
    """The stack cannot start; the message says what is missing or taken."""


def proxy_command(settings: Settings) -> Path:
    return settings.repo_root / "node_modules" / ".bin" / "configurable-http-proxy"


def check_dependencies(settings: Settings) -> None:
    """Stop early, naming the missing program, rather than fail deep inside the hub."""
    missing = []
    if shutil.which(settings.mosquitto) is None:
        missing.append(f"Mosquitto ({settings.mosquitto!r}): apt-get install mosquitto, "
                       "or run `make up`, which installs it")
    if shutil.which("node") is None:
        missing.append("Node.js ('node'), which runs the hub's proxy: apt-get install nodejs")
    if not proxy_command(settings).exists():
        missing.append(f"configurable-http-proxy ({proxy_command(settings)}): run "
                       "`npm install` in the repository, or `make up`")
    if missing:
        raise StackError("missing: " + "; ".join(missing))


def stack_ports(settings: Settings) -> list[tuple[str, str, int]]:
    tls = ([("SENLAB_MQTT_TLS_PORT", settings.mqtt_tls_host, settings.mqtt_tls_port)]
           if settings.mqtt_tls_port else [])
    return tls + [
        ("SENLAB_HUB_PORT", settings.hub_ip, settings.hub_port),
        ("SENLAB_HUB_API_PORT", "127.0.0.1", settings.hub_api_port),
        ("SENLAB_PROXY_API_PORT", "127.0.0.1", settings.proxy_api_port),
        ("SENLAB_PROGRESS_PORT", "127.0.0.1", settings.progress_port),
        ("SENLAB_FLEET_PORT", "127.0.0.1", settings.fleet_port),
        ("SENLAB_MQTT_PORT", settings.mqtt_host, settings.mqtt_port),
    ]


def check_ports(settings: Settings) -> None:
    """Refuse to start when a port is taken, naming the port and its setting."""
    seen: dict[int, str] = {}
    for name, host, port in stack_ports(settings):
        if port in seen:
            raise StackError(f"{name} and {seen[port]} are both {port}: give each its own port")
        seen[port] = name
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as err:
                raise StackError(
                    f"port {port} on {host} ({name}) is taken ({err.strerror}): stop what "
                    f"uses it or set {name} to a free port"
                ) from err


def _closed_folder(path: Path) -> Path | None:
    """The first folder on the way to `path` that other accounts may not pass through."""
    for folder in [path, *path.parents]:
        if folder.exists() and not folder.stat().st_mode & 0o001:
            return folder
    return None


def check_home_reachable(settings: Settings, install: Path | None = None) -> None:
    """As root, Mosquitto and each trainee's account must be able to reach SENLAB_HOME, and
    each trainee's server runs SenLab's own Python (`install`, this virtualenv)."""
    if os.geteuid() != 0:
        return
    closed = _closed_folder(settings.home)
    if closed is not None:
        raise StackError(
            f"SENLAB_HOME {settings.home} is not reachable by the broker's and the "
            f"trainees' accounts: {closed} is mode {closed.stat().st_mode & 0o777:o}; "
            "choose another SENLAB_HOME or `chmod o+x` that folder"
        )
    install = install or Path(sys.prefix)
    closed = _closed_folder(install)
    if closed is not None:
        raise StackError(
            f"SenLab's install {install} is not reachable by the trainees' accounts, whose "
            f"servers run its Python: {closed} is mode {closed.stat().st_mode & 0o777:o}; "
            "install SenLab where other accounts may pass (a `mktemp -d` folder is mode "
            "700) or `chmod o+x` that folder"
        )


def protect_course_sources(settings: Settings) -> None:
    """Course sources hold solutions and hidden tests: no trainee account may read them."""
    sources = settings.repo_root / "courses"
    if os.geteuid() == 0 and sources.is_dir():
        sources.chmod(0o700)


def prepare(settings: Settings) -> None:
    """Write the configs under SENLAB_HOME: folders, broker accounts and Mosquitto's file."""
    check_home_reachable(settings)
    protect_course_sources(settings)
    for folder in (settings.home, settings.log_dir, settings.home / "users"):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o711)  # others may pass through, not list
    if settings.demo:
        seed_demo(settings)
    write_broker_config(settings)
    lock_down_state(settings)


def lock_down_state(settings: Settings) -> None:
    """Databases, logs and rosters are for SenLab's processes only, not trainees' accounts.

    SQLite gives a database's journal and WAL files the database file's own mode, so
    creating the files 0600 before the hub and the progress service open them is enough.
    """
    for name in ("jupyterhub.sqlite", "progress.sqlite"):
        path = settings.home / name
        if not path.exists() and not (name == "progress.sqlite" and settings.database_url):
            path.touch(mode=0o600)
    for folder in (settings.home, settings.log_dir):
        for path in folder.iterdir():
            if path.is_file():
                path.chmod(0o600)

def seed_demo(settings: Settings) -> None:
    """The demo cohort's broker accounts and progress records (idempotent)."""
    cohort = demo_cohort()
    refuse_foreign_accounts(settings, cohort.usernames())
    accounts = BrokerAccounts(settings)
    for name in cohort.usernames():
        accounts.trainee(name)
    load_demo(settings)  # a province a year into the plan, for the dashboard; once
    roster = write_roster_csv(cohort, settings.home / "demo-roster.csv")
    import_roster(settings, roster, hub_client=None)
    publish_new_courses(settings)


def refuse_foreign_accounts(settings: Settings, names: list[str]) -> None:
    """Stop before seeding when a demo user's name is a system account SenLab did not make."""
    accounts = local_accounts(settings.home)
    if accounts is None:
        return  # not root: every server runs as the hub's own user, no account is made
    for name in names:
        try:
            accounts.check(name)
        except AccountClash as err:
            raise StackError(f"the demo user {name!r} cannot have a system account of its "
                             f"own: {err}; no account was changed") from err


def publish_new_courses(settings: Settings) -> list[str]:
    """Publish the courses in the repository that are new or changed since last published."""
    published = []
    for source in sorted((settings.repo_root / "courses").glob("*/course.yaml")):
        course = source.parent.name
        newest = max(path.stat().st_mtime for path in source.parent.rglob("*"))
        stamp = course_root(settings, course) / ".published-from"
        if stamp.exists() and float(stamp.read_text() or 0) >= newest:
            continue
        try:
            publish(settings, course)
        except CourseError as err:
            raise StackError(f"the demo course {course} cannot be published: {err}") from err
        if os.geteuid() == 0:
            ensure_course_group(course_root(settings, course), course_group_name(course), None)
        stamp.write_text(repr(newest))
        published.append(course)
    return published


def processes_of(stack_id: str) -> Iterator[int]:
    """Processes of one `senlab up`: they carry its SENLAB_STACK_ID in their environment."""
    marker = f"SENLAB_STACK_ID={stack_id}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            yield int(entry.name)


def terminate_leftovers(stack_id: str, grace: float = 2.0) -> list[int]:
    """SIGTERM, then SIGKILL, whatever this stack left running; return their pids."""
    pids = list(processes_of(stack_id))
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)
    return pids


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _http_ok(url: str) -> str | None:
    try:
        status = httpx.get(url, timeout=2).status_code
    except httpx.HTTPError as error:
        return f"{url}: {type(error).__name__}"
    return None if status == 200 else f"{url}: {status}"


def _mqtt_ok(settings: Settings) -> str | None:
    """None if the broker accepts a service's MQTT CONNECT (CONNACK 0)."""
    credentials = BrokerAccounts(settings).service("fleet")
    where = f"mqtt://{settings.mqtt_host}:{settings.mqtt_port}"
    try:
        with socket.create_connection((settings.mqtt_host, settings.mqtt_port), 2) as sock:
            sock.settimeout(2)
            sock.sendall(encode_connect(f"senlab-up-probe-{os.getpid()}",
                                        username=credentials.username,
                                        password=credentials.password, keepalive=5))
            connack = sock.recv(4)
            sock.sendall(b"\xe0\x00")  # DISCONNECT
    except OSError as error:
        return f"{where}: {error}"
    if len(connack) < 4 or connack[0] != 0x20 or connack[3] != 0:
        return f"{where}: CONNACK {connack.hex() or 'none'}"
    return None


def probe(settings: Settings, stack_id: str) -> dict[str, str | None]:
    """Each part of the stack: None when it answers, else what it answered.

    The hub and the proxy are probed together through the proxy (the hub's health), and
    the proxy's route to the progress service as a trainee's browser would take it; the
    broker by an MQTT CONNECT; the progress service and the fleet on their own ports;
    the grader, which has no port, by its process."""
    url = settings.hub_url
    parts = {
        "hub": _http_ok(f"{url}/hub/health"),
        "proxy": _http_ok(f"{url}/services/progress/api/health"),
        "broker": _mqtt_ok(settings),
        "progress": _http_ok(f"http://127.0.0.1:{settings.progress_port}"
                             "/services/progress/api/health"),
    }
    if settings.local_fleet:
        parts["fleet"] = _http_ok(f"http://127.0.0.1:{settings.fleet_port}/health")
    marker = b"JUPYTERHUB_SERVICE_NAME=grader"
    grader = any(marker in _environ(pid) for pid in processes_of(stack_id))
    parts["grader"] = None if grader else "no grader process"
    return parts


def _environ(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return []


class Hub:
    """The JupyterHub process of one `senlab up`."""

    def __init__(self, settings: Settings):
        self.settings = settings.model_copy(update={"stack_id": uuid.uuid4().hex})
        self.log_path = settings.log_dir / "hub.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        config = self.settings.repo_root / "hub_config" / "jupyterhub_config.py"
        env = process_environment(
            self.settings, PATH=f"{venv_bin()}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
        )
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        log = os.fdopen(fd, "ab")
        self.proc = subprocess.Popen(
            [str(venv_bin() / "jupyterhub"), "-f", str(config)],
            cwd=self.settings.home, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()

    @property
    def ready_path(self) -> Path:
        return self.settings.home / "run" / "ready.json"

    def wait_ready(self, timeout: float) -> None:
        """Wait until every part answers (`probe`), then write `ready_path`; or fail
        naming the parts that did not answer, what they said, and the log."""
        assert self.proc is not None and self.settings.stack_id is not None
        deadline = time.monotonic() + timeout
        parts: dict[str, str | None] = {}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StackError(f"the hub exited with status {self.proc.returncode}; "
                                 f"see {self.log_path}")
            parts = probe(self.settings, self.settings.stack_id)
            if not any(parts.values()):
                self.ready_path.parent.mkdir(parents=True, exist_ok=True)
                self.ready_path.write_text(json.dumps(
                    {"url": self.settings.hub_url, "pid": os.getpid(),
                     "parts": sorted(parts)}) + "\n")
                return
            time.sleep(0.3)
        silent = "; ".join(f"{name} ({why})" for name, why in parts.items() if why)
        raise StackError(f"not every part answered within {timeout:.0f} s: {silent}; "
                         f"see {self.log_path}")

    def stop(self) -> None:
        """Ask the hub to stop its servers, services and proxy; then clear what is left."""
        self.ready_path.unlink(missing_ok=True)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        assert self.settings.stack_id is not None
        terminate_leftovers(self.settings.stack_id)
