"""Lab control for trainees: list, start, stop and check their own labs through the fleet.

The trainee calls with their own hub token; the service asks the device fleet to bring up
that trainee's devices and hands back the trainee's broker credentials. The fleet reports
lab starts and check results to this service as events, so they are recorded once, there.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from lab_devices.labs.labfile import NAME as LAB_ID
from senlab.broker import BrokerAccounts, InvalidAccountName
from senlab.fleet import FleetClient, FleetUnavailable
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud.completions import checks_left_in_lab
from senlab.progress.deps import SessionDep, SettingsDep
from senlab.progress.errors import refusals
from senlab.progress.identity import Identity

# 404: the fleet has no such lab; 503: the fleet did not answer.
router = APIRouter(prefix="/api/labs", tags=["labs"], responses=refusals(401, 403, 404, 503))


class BrokerAddress(BaseModel):
    host: str
    port: int


class LabConnection(BaseModel):
    """A started lab: where its broker is, your credentials there, your devices."""

    lab: str
    broker: BrokerAddress
    username: str
    password: str
    topic_root: str
    devices: list[dict[str, Any]]


def get_fleet(request: Request) -> FleetClient:
    if getattr(request.app.state, "fleet", None) is None:
        request.app.state.fleet = FleetClient(request.app.state.settings)
    return request.app.state.fleet


FleetDep = Annotated[FleetClient, Depends(get_fleet)]
# A lab id goes into the fleet's URLs: refuse anything but a lab file's id (422 names it).
LabId = Annotated[str, Path(pattern=LAB_ID, description="A lab's id, e.g. iot101-sensors.")]


def lab_user(identity: Identity) -> str:
    """Labs belong to hub users; a service has no devices of its own."""
    if identity.is_service:
        raise HTTPException(403, "labs are started by a hub user with their own token, "
                                 f"not by the service {identity.name!r}")
    return identity.name


async def relay(call) -> Any:
    """The fleet's answer, or its error with the fleet's own reason."""
    try:
        response: httpx.Response = await call
    except FleetUnavailable as err:
        raise HTTPException(503, str(err)) from err
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise HTTPException(response.status_code, detail)
    return response.json()


@router.get("")
async def list_labs(identity: CurrentIdentity, fleet: FleetDep) -> list[dict[str, Any]]:
    """The labs that can be started, with their devices and checks."""
    return await relay(fleet.labs())


@router.post("/{lab}/start")
async def start_lab(lab: LabId, identity: CurrentIdentity, fleet: FleetDep,
                    settings: SettingsDep) -> LabConnection:
    """Start your own devices for a lab (idempotent) and get your broker credentials."""
    trainee = lab_user(identity)
    try:
        credentials = BrokerAccounts(settings).trainee(trainee)
    except InvalidAccountName as err:
        raise HTTPException(400, str(err)) from err
    run = await relay(fleet.start(trainee, lab))
    return LabConnection(
        lab=lab,
        broker=BrokerAddress(host=credentials.host, port=credentials.port),
        username=credentials.username,
        password=credentials.password,
        topic_root=run["topic_root"],
        devices=run["devices"],
    )


@router.post("/{lab}/stop")
async def stop_lab(lab: LabId, identity: CurrentIdentity, fleet: FleetDep) -> dict[str, Any]:
    """Stop your devices for a lab."""
    return await relay(fleet.stop(lab_user(identity), lab))


@router.get("/{lab}/check")
async def check_lab(lab: LabId, identity: CurrentIdentity, fleet: FleetDep,
                    session: SessionDep) -> dict[str, Any]:
    """Each of the lab's checks on your devices, with `passed` and `message`, and per course
    the checks its rule lists that you have still to pass (`remaining`)."""
    trainee = lab_user(identity)
    answer = await relay(fleet.check(trainee, lab))
    passing = {check["id"] for check in answer.get("checks", []) if check.get("passed")}
    answer["remaining"] = await run_in_threadpool(
        checks_left_in_lab, session, username=trainee, lab=lab, passing=passing)
    return answer
