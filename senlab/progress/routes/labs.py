"""Lab control for trainees: list, start, stop and check their own labs through the fleet,
and ask for a check's hint.

The trainee calls with their own hub token; the service asks the device fleet to bring up
that trainee's devices and hands back the trainee's broker credentials. The fleet reports
lab starts, check results and hints taken to this service as events, so they are recorded
once, there. A hint is the trainee's own: the route takes no trainee, only the caller.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from lab_devices.labs.labfile import NAME as LAB_ID
from senlab.broker import BrokerAccounts, InvalidAccountName
from senlab.fleet import FleetClient, FleetUnavailable
from senlab.i18n import resolve, translator
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud.completions import checks_left_in_lab, hint_costs
from senlab.progress.crud.hints import hint_taken_by, hints_of_lab
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
CheckId = Annotated[str, Path(pattern=LAB_ID, description="A check's id in the lab file.")]


class HintCost(BaseModel):
    course: str
    assignment: str
    points: float


class HintAnswer(BaseModel):
    """A check's hint. ``hint`` is null when the check has none (nothing is recorded then);
    ``text`` is the hint in the language of ``Accept-Language`` (else Vietnamese).
    ``costs`` says what it costs in each course whose rule lists the check;
    ``already_taken``: you took it before, so it costs nothing more."""

    lab: str
    check: str
    title: dict[str, str]
    hint: dict[str, str] | None
    text: str
    lang: str
    already_taken: bool
    costs: list[HintCost]


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
    """Each of the lab's checks on your devices, with `passed` and `message` (and, for a
    break-fix check, `repair_s` and `within_s`), whether you took its hint (`hint_taken`)
    and the points it costs (`hint_points`, over the courses that list it), and per course
    the checks its rule lists that you have still to pass (`remaining`)."""
    trainee = lab_user(identity)
    answer = await relay(fleet.check(trainee, lab))
    passing = {check["id"] for check in answer.get("checks", []) if check.get("passed")}
    answer["remaining"] = await run_in_threadpool(
        checks_left_in_lab, session, username=trainee, lab=lab, passing=passing)
    taken = await run_in_threadpool(hints_of_lab, session, username=trainee, lab=lab)
    costs = await run_in_threadpool(hint_costs, session, lab=lab)
    for check in answer.get("checks", []):
        check["hint_taken"] = check.get("id") in taken
        check["hint_points"] = (sum(c["points"] for c in costs.get(check.get("id"), []))
                                if check["hint_taken"] else 0.0)
    return answer


@router.post("/{lab}/checks/{check}/hint")
async def take_hint(lab: LabId, check: CheckId, identity: CurrentIdentity, fleet: FleetDep,
                    session: SessionDep,
                    accept_language: Annotated[str | None, Header()] = None) -> HintAnswer:
    """The hint of one of the lab's checks, for yourself; taking it may cost points (see
    ``costs``), once however often you ask. 404 names an unknown check and lists the
    lab's checks."""
    trainee = lab_user(identity)
    before = await run_in_threadpool(hint_taken_by, session, username=trainee, lab=lab,
                                     check=check)
    given = await relay(fleet.hint(trainee, lab, check))
    costs = await run_in_threadpool(hint_costs, session, lab=lab)
    lang = resolve(accept_language=accept_language, environ={})
    hint = given.get("hint")
    return HintAnswer(
        lab=lab, check=check, title=given.get("title", {}), hint=hint,
        text=translator(lang).pick(hint), lang=lang,
        already_taken=hint is not None and (before is not None or bool(given.get("repeated"))),
        costs=[HintCost(**c) for c in costs.get(check, [])] if hint is not None else [])
