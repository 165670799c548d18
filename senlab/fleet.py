"""The device fleet as a hub-managed service, and the client that controls it.

`python -m senlab.fleet` turns the settings into the fleet's files (its broker password,
its control token) and runs `lab_devices.fleet.service`, which stays free of `senlab`.
What happens in the labs comes back as records (`lab_devices.fleet.runtime.FleetRecord`):
`FleetEvents` makes `senlab.events` of them and hands them to a `senlab.spool.SpoolSender`,
which keeps them in ``SENLAB_HOME/spool/fleet/`` until the progress service has answered
for each. The fleet's own hub token (JUPYTERHUB_API_TOKEN, given by the hub) is what it
posts them with.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from lab_devices.device.messages import Evidence
from lab_devices.fleet import service
from lab_devices.fleet.runtime import CheckRecord, FleetRecord, HintRecord, LabStartedRecord
from senlab import events
from senlab.broker import BrokerAccounts
from senlab.settings import Settings, get_settings, refuse_weak_settings
from senlab.spool import HttpPoster, Spool, SpoolSender, events_url, progress_url, spool_folder

log = logging.getLogger("senlab.fleet")
SERVICE_NAME = "fleet"


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

    async def hint(self, trainee: str, lab: str, check: str) -> httpx.Response:
        return await self.request("POST", f"/trainees/{trainee}/labs/{lab}/checks/{check}/hint")


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
        "--state-dir", str(settings.home / "fleet"),
    ]
    settings.secret("fleet-control-token")
    return args


def event_of(record: FleetRecord) -> dict[str, Any]:
    """The progress event of one of the fleet's records (built, and so checked, by
    `senlab.events`)."""
    at = datetime.fromtimestamp(record.at, UTC)
    match record:
        case LabStartedRecord():
            return events.lab_started(record.trainee, record.lab, at=at)
        case CheckRecord():
            return events.lab_check(record.trainee, record.lab, record.check, record.passed,
                                    at=at)
        case HintRecord():
            return events.hint_taken(record.trainee, record.lab, record.check, at=at)
        case Evidence():
            return events.lab_evidence(record.trainee, record.lab, record.device,
                                       record.action, record.detail, at=at)
    raise TypeError(f"the fleet gave a record of no known kind: {record!r}")


class FleetEvents:
    """The fleet's `EventSink`: each record as its event, into the fleet's spool.

    It is called on the fleet's event loop, so it only builds events and hands them to the
    sender's thread, which writes and posts them. A record that does not make a valid
    event (which the fleet's own checks of names should prevent) is logged and counted
    in `invalid`, and never stops the others.
    """

    def __init__(self, sender: SpoolSender) -> None:
        self.sender = sender
        self.invalid = 0

    def __call__(self, records: list[FleetRecord]) -> None:
        built = []
        for record in records:
            try:
                built.append(event_of(record))
            except (ValidationError, TypeError) as error:
                self.invalid += 1
                log.error("fleet record not sent, it makes no valid event: %r: %s",
                          record, error)
        if built:
            self.sender.put(built)


def fleet_sender(settings: Settings) -> SpoolSender | None:
    """The sender of the fleet's events, when the hub gave the fleet a token to post with."""
    if settings.hub_service_token is None:
        return None
    poster = HttpPoster(events_url(progress_url(settings)),
                        settings.hub_service_token.get_secret_value())
    return SpoolSender(Spool(spool_folder(settings.home, SERVICE_NAME)), poster,
                       name="fleet-events")


def main() -> None:
    settings = get_settings()
    refuse_weak_settings(settings, "senlab fleet")
    sender = fleet_sender(settings)
    if sender is None:
        service.main(service_arguments(settings))
        return
    sender.start()
    try:
        service.main(service_arguments(settings), events=FleetEvents(sender))
    finally:
        sender.close()


if __name__ == "__main__":
    main()
