"""Kill a managed service with SIGKILL during a running lab and measure until it serves.

Shared by tests/stack/test_recovery.py (which also checks that nothing was lost) and
bench/restart.py (which prints the figures against the hub's own default poll).

"Serves again" is what a trainee or an operator would see:

| service | serving again when |
| --- | --- |
| broker | the trainee's client gets the lab's telemetry again |
| fleet | the control API lists the trainee's lab again and its devices publish |
| progress | ``/services/progress/api/health`` answers 200 through the hub's proxy |
| grader | a new grader process, started by the hub, has run for a second (it has no port) |
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from senlab.broker import BrokerAccounts
from senlab.settings import Settings
from tests.stack.harness import Stack

LAB = "iot101-sensors"
TRAINEE = "trainee1"
ROOT = f"labs/{TRAINEE}/{LAB}"
SERVICES = ("broker", "fleet", "progress", "grader")


@dataclass
class Observer:
    """The trainee's own MQTT client on their lab, reconnecting as paho does, quickly."""

    client: mqtt.Client
    telemetry: list[float] = field(default_factory=list)  # monotonic arrival times
    replies: dict[int, float] = field(default_factory=dict)
    status: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    connected: threading.Event = field(default_factory=threading.Event)

    def telemetry_since(self, moment: float) -> bool:
        with self.lock:
            return bool(self.telemetry) and self.telemetry[-1] > moment

    def command(self, device: str, command_id: int, action: str = "ping") -> None:
        payload = json.dumps({"id": command_id, "action": action}).encode()
        self.client.publish(f"{ROOT}/{device}/cmd", payload, qos=1)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def observe(stack: Stack) -> Observer:
    settings = Settings(home=stack.home, mqtt_port=stack.ports["MQTT_PORT"])
    credentials = BrokerAccounts(settings).trainee(TRAINEE)
    # A persistent session, as a lab notebook's client keeps one: what is sent to it, and
    # what it sends, while the broker restarts is delivered afterwards.
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{TRAINEE}-observer",
                         clean_session=False, protocol=mqtt.MQTTv311)
    client.username_pw_set(credentials.username, credentials.password)
    client.reconnect_delay_set(min_delay=0.1, max_delay=0.5)
    observer = Observer(client)

    def on_connect(c, _userdata, _flags, _reason, _properties) -> None:
        c.subscribe(f"{ROOT}/#", qos=1)
        observer.connected.set()

    def on_disconnect(_c, _userdata, _flags, _reason, _properties) -> None:
        observer.connected.clear()

    def on_message(_c, _userdata, message) -> None:
        now = time.monotonic()
        with observer.lock:
            if message.topic.endswith("/telemetry"):
                observer.telemetry.append(now)
            elif message.topic.endswith("/reply"):
                reply = json.loads(message.payload)
                if isinstance(reply.get("id"), int):
                    observer.replies.setdefault(reply["id"], now)
            elif message.topic.endswith("/status"):
                observer.status[message.topic.split("/")[-2]] = message.payload

    client.on_connect, client.on_message = on_connect, on_message
    client.on_disconnect = on_disconnect
    client.connect("127.0.0.1", stack.ports["MQTT_PORT"])
    client.loop_start()
    return observer


def fleet_api(stack: Stack) -> httpx.Client:
    token = Settings(home=stack.home).secret("fleet-control-token")
    return httpx.Client(base_url=f"http://127.0.0.1:{stack.ports['FLEET_PORT']}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=5)


def wait(condition, what: str, timeout: float) -> float:
    """Poll `condition` every 50 ms; the monotonic time it first held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return time.monotonic()
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def kill(stack: Stack, name: str) -> tuple[float, set[int], set[int]]:
    """SIGKILL every process of managed service `name` (its children carry its name too);
    the moment, their pids, and the pid of what started the service (the hub)."""
    pids = set(stack.processes(JUPYTERHUB_SERVICE_NAME=name))
    assert pids, f"service {name} is not running"
    supervisor = {parent(pid) for pid in pids} - pids - {None}
    assert len(supervisor) == 1, f"service {name}: no one process started it: {supervisor}"
    killed_at = time.monotonic()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return killed_at, pids, {p for p in supervisor if p is not None}


def restarted(stack: Stack, name: str, old: set[int], supervisor: set[int]) -> bool:
    """A new process of the service, started by the hub (not a child of the old one)."""
    pids = {pid for pid in stack.processes(JUPYTERHUB_SERVICE_NAME=name)
            if parent(pid) in supervisor}
    return bool(pids) and not pids & old


def measure(stack: Stack, name: str, observer: Observer, fleet: httpx.Client,
            timeout: float = 60, during: Callable[[], None] | None = None) -> float:
    """Seconds from a SIGKILL of service `name` until it serves again; `during` is done
    right after the kill, while the service is down."""
    killed_at, old, supervisor = kill(stack, name)
    if during is not None:
        during()
    wait(lambda: restarted(stack, name, old, supervisor), f"{name} restarted", timeout)
    if name == "broker":
        back = wait(lambda: observer.telemetry_since(killed_at)
                    and restarted(stack, name, old, supervisor),
                    "telemetry after the broker's restart", timeout)
    elif name == "fleet":
        back = wait(lambda: fleet.get(f"/trainees/{TRAINEE}/labs/{LAB}").status_code == 200
                    and observer.telemetry_since(killed_at), "the lab after the fleet's restart",
                    timeout)
    elif name == "progress":
        back = wait(lambda: httpx.get(f"{stack.url}/services/progress/api/health",
                                      timeout=2).status_code == 200,
                    "the progress service's health", timeout)
    else:
        started = wait(lambda: restarted(stack, name, old, supervisor), "a new grader", timeout)
        time.sleep(1.0)
        assert restarted(stack, name, old, supervisor), "the new grader did not stay up"
        back = started
    return back - killed_at
