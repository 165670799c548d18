"""A real JupyterHub runs the values' extraConfig: services, routes, roles and groups.

The chart's hub runs JupyterHub 5.5 with KubeSpawner; this one is the local JupyterHub
with its own spawner, which is enough to show that the hub accepts SenLab's services as
declared for Kubernetes, routes the progress service to its Kubernetes Service and loads
the same roles and groups.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.stack.harness import free_ports

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
CHP = REPO / "node_modules" / ".bin" / "configurable-http-proxy"


def chart_preamble(home: Path, ports: dict[str, int], proxy_token: str) -> str:
    """What the chart's own jupyterhub_config.py sets before extraConfig, for one machine."""
    return "\n".join([
        f"c.JupyterHub.ip = '127.0.0.1'; c.JupyterHub.port = {ports['public']}",
        f"c.JupyterHub.hub_ip = '127.0.0.1'; c.JupyterHub.hub_port = {ports['hub']}",
        f"c.JupyterHub.db_url = 'sqlite:///{home}/jupyterhub.sqlite'",
        f"c.JupyterHub.cookie_secret = bytes.fromhex('{secrets.token_hex(32)}')",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{ports['proxy_api']}'",
        f"c.ConfigurableHTTPProxy.auth_token = '{proxy_token}'",
        f"c.ConfigurableHTTPProxy.command = ['{CHP}']",
        "c.JupyterHub.cleanup_proxy = True",
        "",
    ])


@pytest.fixture(scope="module")
def hub(values, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("hub")
    if not CHP.exists():
        pytest.fail(f"{CHP} is missing: run `make up` once (npm install)")
    home = tmp_path / "home"
    ports = dict(zip(("public", "hub", "proxy_api"), free_ports(3), strict=True))
    admin_token, proxy_token = secrets.token_hex(32), secrets.token_hex(32)
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(chart_preamble(home, ports, proxy_token)
                      + values["hub"]["extraConfig"]["senlab"])
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENLAB_")}
    env.update({key: value for key, value in values["hub"]["extraEnv"].items()
                if isinstance(value, str)})
    env.update(SENLAB_HOME=str(home), SENLAB_ADMIN_TOKEN=admin_token,
               SENLAB_ENVIRONMENT="development",
               PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}")
    log = open(tmp_path / "hub.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{ports['public']}/hub/api"
    try:
        wait_until_up(base, proc, tmp_path / "hub.log")
        yield {"api": base, "token": admin_token, "proxy_api": ports["proxy_api"],
               "proxy_token": proxy_token, "proc": proc}
    finally:
        stop_everything(proc)
        log.close()


def session_members(session: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z" and int(fields[3]) == session:
                members.append(int(entry.name))
    return members


def stop_everything(proc: subprocess.Popen) -> None:
    """SIGTERM the hub; it must stop its proxy too. Anything left is killed, then reported."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
    left = session_members(proc.pid)
    if left or proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        raise AssertionError(f"processes left after the hub's SIGTERM: {left}")


def wait_until_up(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, f"the hub exited:\n{log.read_text()[-3000:]}"
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the hub did not start:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)


def api(hub, path: str):
    response = httpx.get(hub["api"] + path, headers={"Authorization": f"token {hub['token']}"},
                         timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_hub_declares_senlabs_services_without_starting_them(hub):
    services = api(hub, "/services")
    assert set(services) == {"broker", "progress", "fleet", "grader", "senlab-admin"}
    assert services["progress"]["url"] == "http://senlab-services:8101"
    assert services["progress"]["prefix"] == "/services/progress/"
    assert all(not service.get("command") for service in services.values())


def test_the_proxy_routes_the_progress_service_to_its_kubernetes_service(hub):
    routes = httpx.get(f"http://127.0.0.1:{hub['proxy_api']}/api/routes",
                       headers={"Authorization": f"token {hub['proxy_token']}"},
                       timeout=10).json()
    assert routes["/services/progress"]["target"] == "http://senlab-services:8101"


def test_the_roles_and_groups_are_loaded(hub):
    groups = {group["name"] for group in api(hub, "/groups")}
    assert {"trainees", "instructors", "managers", "dost"} <= groups
    expected = {"trainees": "senlab-trainee", "instructors": "senlab-instructor",
                "managers": "senlab-manager", "dost": "senlab-dost"}
    for group, role in expected.items():
        assert api(hub, f"/groups/{group}")["roles"] == [role]
    services = api(hub, "/services")
    for name in ("progress", "fleet"):
        assert "senlab-services" in services[name]["roles"], name
    assert "admin" in services["senlab-admin"]["roles"]


def test_the_login_page_is_senlabs(hub):
    page = httpx.get(hub["api"].replace("/api", "/login"), timeout=10)
    assert page.status_code == 200
    assert "SenLab" in page.text
