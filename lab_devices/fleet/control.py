"""The fleet's control API over HTTP, for the progress service.

Every route needs ``Authorization: Bearer <token>`` with the token the fleet was started
with. Routes:

| method and path | does |
| --- | --- |
| ``GET /labs`` | the labs the fleet can run |
| ``POST /trainees/{trainee}/labs/{lab}/start`` | start (idempotent); the lab's devices |
| ``POST /trainees/{trainee}/labs/{lab}/stop`` | stop; ``{"stopped": bool}`` |
| ``GET /trainees/{trainee}/labs/{lab}`` | the running lab, or 404 |
| ``GET /trainees/{trainee}/labs/{lab}/check`` | each check with ``passed`` and ``message`` |
| ``POST /trainees/{trainee}/labs/{lab}/devices/{device}/faults`` | inject a fault now |
| ``GET /health`` | liveness and counts (no token needed) |
"""

# No `from __future__ import annotations`: FastAPI must resolve the local `Auth` alias.

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from lab_devices.fleet.runtime import (
    BrokerUnavailable,
    Fleet,
    FleetError,
    InvalidName,
    LabNotRunning,
    UnknownLab,
)
from lab_devices.labs.labfile import FaultSpec

STATUS_BY_ERROR = {UnknownLab: 404, LabNotRunning: 404, InvalidName: 422,
                   BrokerUnavailable: 503}


def get_fleet(request: Request) -> Fleet:
    return request.app.state.fleet


def authorised(request: Request) -> None:
    """Refuse a request without the bearer token the fleet was started with."""
    token: str = request.app.state.token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), token.encode()):
        raise HTTPException(401, "missing or wrong bearer token in Authorization",
                            headers={"WWW-Authenticate": "Bearer"})


FleetDep = Annotated[Fleet, Depends(get_fleet)]
router = APIRouter(dependencies=[Depends(authorised)])


@router.get("/labs")
async def list_labs(fleet: FleetDep) -> list[dict[str, Any]]:
    """The labs this fleet can run."""
    return [{"id": lab.id, "title": lab.title.model_dump(), "summary": lab.summary.model_dump(),
             "devices": [{"id": d.id, "model": d.model} for d in lab.devices],
             "checks": [c.id for c in lab.checks]}
            for lab in fleet.labs.values()]


@router.post("/trainees/{trainee}/labs/{lab}/start")
async def start(trainee: str, lab: str, fleet: FleetDep) -> dict[str, Any]:
    """Start a trainee's lab (idempotent) and list its devices."""
    return (await fleet.start_lab(trainee, lab)).describe()


@router.post("/trainees/{trainee}/labs/{lab}/stop")
async def stop(trainee: str, lab: str, fleet: FleetDep) -> dict[str, Any]:
    """Stop a trainee's lab."""
    fleet.lab_spec(lab)
    return {"stopped": await fleet.stop_lab(trainee, lab)}


@router.get("/trainees/{trainee}/labs/{lab}")
async def show(trainee: str, lab: str, fleet: FleetDep) -> dict[str, Any]:
    """A running lab and its devices."""
    return fleet.running(trainee, lab).describe()


@router.get("/trainees/{trainee}/labs/{lab}/check")
async def check(trainee: str, lab: str, fleet: FleetDep) -> dict[str, Any]:
    """Each of the lab's checks with passed and, when it fails, its message."""
    results = fleet.check_lab(trainee, lab)
    return {"trainee": trainee, "lab": lab, "passed": sum(r.passed for r in results),
            "total": len(results), "checks": [r.as_dict() for r in results]}


@router.post("/trainees/{trainee}/labs/{lab}/devices/{device}/faults")
async def inject(trainee: str, lab: str, device: str, body: dict[str, Any],
                 fleet: FleetDep) -> dict[str, Any]:
    """Inject a fault into a running device now (an instructor's action)."""
    try:
        spec = FaultSpec.model_validate({**body, "device": device})
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise HTTPException(422, "; ".join(problems)) from None
    fleet.inject_fault(trainee, lab, device, spec.to_fault())
    return {"injected": spec.model_dump(exclude_none=True)}


async def health(fleet: FleetDep) -> dict[str, Any]:
    """Liveness, with the number of running labs and devices (no token needed)."""
    return {"ok": True, "labs": len(fleet.runs),
            "devices": sum(len(r.hosts) for r in fleet.runs.values())}


async def fleet_error(request: Request, exc: Exception) -> JSONResponse:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    return JSONResponse({"detail": str(exc)}, status_code=status)


def create_control_app(fleet: Fleet, token: str) -> FastAPI:
    """The control API of ``fleet``, guarded by the bearer ``token``."""
    if len(token) < 16:
        raise ValueError("the control token must be at least 16 characters")
    app = FastAPI(title="SenLab device fleet", docs_url=None, redoc_url=None)
    app.state.fleet = fleet
    app.state.token = token
    app.add_exception_handler(FleetError, fleet_error)
    app.add_api_route("/health", health, methods=["GET"])
    app.include_router(router)
    return app
