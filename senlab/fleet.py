"""The device fleet as a hub-managed service, and the client that controls it.

`python -m senlab.fleet` turns the settings into the fleet's files (its broker password,
its control token) and runs `lab_devices.fleet.service`, which stays free of `senlab`. The
fleet's own hub token (JUPYTERHUB_API_TOKEN, given by the hub) is what it posts lab
events to the progress service with.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from senlab.broker import BrokerAccounts
from senlab.settings import Settings, get_settings, refuse_weak_settings


class FleetUnavailable(RuntimeError):
    """The fleet did not answer; the message says where it was asked."""


class FleetClient:
    """The fleet's control API, as the progress service calls it."""

    def __init__(self, settings: Settings, *, timeout: float = 10.0):
        self.base_url = f"http://127.0.0.1:{settings.fleet_port}"
        self._token = settings.secret("fleet-control-token")
        self.timeout = timeout

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout) as http:
                return await http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as err:
            raise FleetUnavailable(f"the device fleet at {self.base_url} did not answer "
                                   f"{method} {path}: {err}") from err

    async def labs(self) -> httpx.Response:
        return await self.request("GET", "/labs")

    async def start(self, trainee: str, lab: str) -> httpx.Response:
        return await self.request("POST", f"/trainees/{trainee}/labs/{lab}/start")

    async def stop(self, trainee: str, lab: str) -> httpx.Response:
        return await self.request("POST", f"/trainees/{trainee}/labs/{lab}/stop")

    async def check(self, trainee: str, lab: str) -> httpx.Response:
        return await self.request("GET", f"/trainees/{trainee}/labs/{lab}/check")


def write_secret_file(path: Path, value: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return path


def service_arguments(settings: Settings) -> list[str]:
    """`lab_devices.fleet.service`'s arguments; secrets go in 0600 files, not on argv."""
    secrets_dir = settings.home / "secrets"
    run_dir = settings.home / "run"  # per-start files, derived from the secrets or the hub
    broker = BrokerAccounts(settings).service("fleet")
    args = [
        "--labs", str(settings.repo_root / "labs"),
        "--mqtt-host", settings.mqtt_host,
        "--mqtt-port", str(settings.mqtt_port),
        "--mqtt-username", broker.username,
        "--mqtt-password-file", str(write_secret_file(run_dir / "fleet-broker-password",
                                                      broker.password)),
        "--control-port", str(settings.fleet_port),
        "--token-file", str(secrets_dir / "fleet-control-token"),
    ]
    settings.secret("fleet-control-token")
    if settings.hub_service_token is not None:
        events_token = write_secret_file(run_dir / "fleet-hub-token",
                                         settings.hub_service_token.get_secret_value())
        args += [
            "--events-url",
            f"http://127.0.0.1:{settings.progress_port}/services/progress/api/events",
            "--events-token-file", str(events_token),
        ]
    return args


def main() -> None:
    from lab_devices.fleet import service

    settings = get_settings()
    refuse_weak_settings(settings, "senlab fleet")
    service.main(service_arguments(settings))


if __name__ == "__main__":
    main()
