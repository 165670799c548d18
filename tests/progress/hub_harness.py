"""A real JupyterHub (DummyAuthenticator, configurable-http-proxy) on free loopback ports.

The hub runs the progress service itself, as in production: a hub-managed service
started with ``python -m senlab.progress``, given its token and prefix by the hub.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from senlab.hub.config import proxy_command as hub_proxy_command
from tests.progress.postgres_server import free_port

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "senlab-test-password"


@dataclass
class Hub:
    url: str
    api_url: str
    admin_token: str
    fleet_token: str
    folder: Path

    def user_token(self, name: str, scopes: list[str] | None = None) -> str:
        body = {"note": "test", **({"scopes": scopes} if scopes is not None else {})}
        response = httpx.post(f"{self.api_url}/users/{name}/tokens", json=body,
                              headers={"Authorization": f"token {self.admin_token}"})
        response.raise_for_status()
        return response.json()["token"]


def proxy_command() -> list[str]:
    command = hub_proxy_command(REPO)
    if not Path(command[-1]).exists():
        raise RuntimeError(f"{command[-1]} is missing: run `npm install` in {REPO}")
    return command


def write_config(folder: Path, *, ports: dict[str, int], tokens: dict[str, str]) -> Path:
    config = folder / "jupyterhub_config.py"
    service_env = {"SENLAB_HOME": str(folder / "senlab"),
                   "SENLAB_PROGRESS_PORT": str(ports["progress"]),
                   "SENLAB_HUB_PORT": str(ports["hub"]), "PYTHONPATH": str(REPO)}
    config.write_text(f"""
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {ports['hub']}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports['hub_api']}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.command = {proxy_command()!r}
c.ConfigurableHTTPProxy.auth_token = {secrets.token_hex(16)!r}
c.JupyterHub.db_url = "sqlite:///{folder / 'hub.sqlite'}"
c.JupyterHub.cookie_secret = bytes.fromhex({secrets.token_hex(32)!r})
c.JupyterHub.pid_file = "{folder / 'hub.pid'}"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allowed_users = {{"an", "dost1", "root"}}
c.Authenticator.admin_users = {{"root"}}
c.JupyterHub.load_groups = {{"trainees": {{"users": ["an"]}}, "dost": {{"users": ["dost1"]}}}}
c.JupyterHub.services = [
    {{"name": "progress", "url": "http://127.0.0.1:{ports['progress']}",
      "command": [{sys.executable!r}, "-m", "senlab.progress"],
      "environment": {service_env!r}, "oauth_no_confirm": True}},
    {{"name": "fleet", "api_token": {tokens['fleet']!r}}},
    {{"name": "senlab-admin", "api_token": {tokens['admin']!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "progress-reads-users", "scopes": ["read:users", "read:groups"],
      "services": ["progress"]}},
    {{"name": "admin", "services": ["senlab-admin"]}},
    {{"name": "user", "scopes": ["self", "access:services"]}},
]
""")
    return config


class HubExited(RuntimeError):
    """The hub stopped before it answered."""


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise HubExited(f"jupyterhub exited with {process.returncode}:\n"
                               f"{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:]}")


def _start(folder: Path, config: Path) -> subprocess.Popen:
    log = folder / "hub.log"
    with log.open("w") as output:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
            cwd=folder, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})


def _stop(process: subprocess.Popen, folder: Path) -> None:
    # The hub, its proxy and the progress service share the session's process group.
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    _stop_leftover_proxy(folder / "jupyterhub-proxy.pid")


@contextmanager
def running_hub(folder: Path) -> Iterator[Hub]:
    folder.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("hub", "hub_api", "proxy_api", "progress")}
    tokens = {"fleet": secrets.token_hex(16), "admin": secrets.token_hex(16)}
    config = write_config(folder, ports=ports, tokens=tokens)
    url = f"http://127.0.0.1:{ports['hub']}"
    for attempt in range(2):
        process = _start(folder, config)
        try:
            _wait_for(f"{url}/hub/api/", process, folder / "hub.log")
            _wait_for(f"{url}/services/progress/api/health", process, folder / "hub.log")
            break
        except HubExited:
            # On a loaded machine the hub sometimes fails to open its fresh database once.
            _stop(process, folder)
            (folder / "hub.sqlite").unlink(missing_ok=True)
            if attempt == 1:
                raise
    try:
        yield Hub(url=url, api_url=f"{url}/hub/api", admin_token=tokens["admin"],
                  fleet_token=tokens["fleet"], folder=folder)
    finally:
        _stop(process, folder)


def _stop_leftover_proxy(pid_file: Path) -> None:
    # The hub stops its proxy on a clean exit; if it was killed, the proxy's pid is here.
    if not pid_file.exists():
        return
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    except (ProcessLookupError, ValueError):
        pass
