"""The fleet's control API over HTTP, for the progress service.

Every route needs ``Authorization: Bearer <token>`` with the token the fleet was started
with. Routes:

| method and path | does |
| --- | --- |
| ``GET /labs`` | the labs the fleet can run |
| ``POST /trainees/{trainee}/labs/{lab}/start`` | start (idempotent); the lab's devices |
| ``POST /trainees/{trainee}/labs/{lab}/stop`` | stop; ``{"stopped": bool}`` |
| ``GET /trainees/{trainee}/labs/{lab}`` | the running lab, or 404 |
| ``GET /trainees/{trainee}/labs/{lab}/check`` | each check, passed or not (1) |
| ``POST /trainees/{trainee}/labs/{lab}/checks/{check}/hint`` | the check's hint (2) |
| ``POST /trainees/{trainee}/labs/{lab}/devices/{device}/faults`` | inject a fault now |
| ``GET /health`` | liveness and counts (no token needed) |

(1) ``passed``, ``message`` (when it fails), ``has_hint``, and for a break-fix check
``repair_s`` (seconds from the fault's start to the trainee's fix) and ``within_s``.
(2) ``{vi, en}``, or null when the check has none; recorded as taken (a `HintRecord`);
404 for an unknown check, naming it and listing the lab's checks.
"""

# No `from __future__ import annotations`: FastAPI must resolve the local `Auth` alias.

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from lab_devices.device.faults import CHANNEL_KINDS
from lab_devices.fleet.runtime import (
    TRAINEE_NAME,
    BrokerUnavailable,
    Fleet,
    FleetError,
    InvalidName,
    LabNotRunning,
    UnknownCheck,
    UnknownDevice,
    UnknownLab,
)
from lab_devices.labs.labfile import NAME, FaultSpec

STATUS_BY_ERROR = {UnknownLab: 404, LabNotRunning: 404, UnknownDevice: 404, UnknownCheck: 404,
                   InvalidName: 422, BrokerUnavailable: 503}
# The path's rules are in the schema, so a client knows them before it calls.
Trainee = Annotated[str, Path(pattern=TRAINEE_NAME.pattern, description="A trainee's name.")]
LabId = Annotated[str, Path(pattern=NAME, description="A lab's id (labs/<lab>/lab.yaml).")]
DeviceId = Annotated[str, Path(pattern=NAME, description="A device's id in the lab.")]
CheckId = Annotated[str, Path(pattern=NAME, description="A check's id in the lab file.")]
# A fault's fields but its device, which the path names; the schema also says which kinds
# need a channel (Fault checks it again when it is made).
NEEDS_CHANNEL = {"if": {"properties": {"kind": {"enum": sorted(CHANNEL_KINDS)}},
                        "required": ["kind"]},
                 "then": {"properties": {"channel": {"type": "string", "minLength": 1}},
                          "required": ["channel"]}}
FaultRequest = create_model(  # type: ignore[call-overload]
    "FaultRequest", __doc__="A fault to inject now.",
    # Strict: JSON's true is not a number here, as the schema says.
    __config__={**FaultSpec.model_config, "strict": True,
                "json_schema_extra": {"allOf": [NEEDS_CHANNEL]}},
    **{name: (field.annotation, field) for name, field in FaultSpec.model_fields.items()
       if name != "device"})


class Refusal(BaseModel):
    detail: str


def refusals(**codes: str) -> dict[int | str, dict[str, Any]]:
    """Responses that are ``{"detail": ...}``: `codes` maps ``s404`` to what it means."""
    return {int(code[1:]): {"model": Refusal, "description": meaning}
            for code, meaning in codes.items()}


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
router = APIRouter(dependencies=[Depends(authorised)], responses=refusals(
    s401="No bearer token, or the wrong one.",
    s404="No such lab, device or channel, or the lab is not running.",
    s503="The fleet cannot reach the broker."))


@router.get("/labs")
async def list_labs(fleet: FleetDep) -> list[dict[str, Any]]:
    """The labs this fleet can run."""
    return [{"id": lab.id, "title": lab.title.model_dump(), "summary": lab.summary.model_dump(),
             "devices": [{"id": d.id, "model": d.model} for d in lab.devices],
             "checks": [c.id for c in lab.checks],
             "hints": [c.id for c in lab.checks if c.hint is not None]}
            for lab in fleet.labs.values()]


@router.post("/trainees/{trainee}/labs/{lab}/start")
async def start(trainee: Trainee, lab: LabId, fleet: FleetDep) -> dict[str, Any]:
    """Start a trainee's lab (idempotent) and list its devices."""
    return (await fleet.start_lab(trainee, lab)).describe()


@router.post("/trainees/{trainee}/labs/{lab}/stop")
async def stop(trainee: Trainee, lab: LabId, fleet: FleetDep) -> dict[str, Any]:
    """Stop a trainee's lab."""
    fleet.lab_spec(lab)
    return {"stopped": await fleet.stop_lab(trainee, lab)}


@router.get("/trainees/{trainee}/labs/{lab}")
async def show(trainee: Trainee, lab: LabId, fleet: FleetDep) -> dict[str, Any]:
    """A running lab and its devices."""
    return fleet.running(trainee, lab).describe()


@router.get("/trainees/{trainee}/labs/{lab}/check")
async def check(trainee: Trainee, lab: LabId, fleet: FleetDep) -> dict[str, Any]:
    """Each of the lab's checks with passed and, when it fails, its message."""
    results = fleet.check_lab(trainee, lab)
    return {"trainee": trainee, "lab": lab, "passed": sum(r.passed for r in results),
            "total": len(results), "checks": [r.as_dict() for r in results]}


@router.post("/trainees/{trainee}/labs/{lab}/checks/{check}/hint")
async def hint(trainee: Trainee, lab: LabId, check: CheckId, fleet: FleetDep) -> dict[str, Any]:
    """The check's hint in both languages (``hint`` null when the check has none), recorded
    as taken; ``repeated`` when this fleet gave it to the trainee before."""
    return fleet.hint(trainee, lab, check).as_dict()


@router.post("/trainees/{trainee}/labs/{lab}/devices/{device}/faults")
async def inject(trainee: Trainee, lab: LabId, device: DeviceId, body: FaultRequest,
                 fleet: FleetDep) -> dict[str, Any]:
    """Inject a fault into a running device now (an instructor's action)."""
    spec = FaultSpec.model_validate({**body.model_dump(), "device": device})
    try:
        fault = spec.to_fault()
    except ValueError as error:  # Fault's own rules: a drift needs a channel
        raise RequestValidationError([{"type": "value_error", "loc": ("body",),
                                       "msg": str(error), "input": body.model_dump()}]) from None
    fleet.inject_fault(trainee, lab, device, fault)
    return {"injected": spec.model_dump(exclude_none=True)}


async def health(fleet: FleetDep) -> dict[str, Any]:
    """Liveness, with the number of running labs and devices (no token needed)."""
    return {"ok": True, "labs": len(fleet.runs),
            "devices": sum(len(r.hosts) for r in fleet.runs.values())}


async def fleet_error(request: Request, exc: Exception) -> JSONResponse:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def body_error(request: Request, exc: Exception) -> Response:
    """FastAPI's 400 for a body it could not read, or a 422 naming a body that is not UTF-8."""
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, UnicodeDecodeError):
        error = exc.__cause__
        return JSONResponse({"detail": [{
            "type": "body_not_utf8", "loc": ["body"],
            "msg": f"the body is not UTF-8 text (byte 0x{error.object[error.start]:02X} at "
                   f"offset {error.start}); send JSON encoded as UTF-8"}]}, status_code=422)
    return await http_exception_handler(request, exc)


def create_control_app(fleet: Fleet, token: str) -> FastAPI:
    """The control API of ``fleet``, guarded by the bearer ``token``."""
    if len(token) < 16:
        raise ValueError("the control token must be at least 16 characters")
    app = FastAPI(title="SenLab device fleet", docs_url=None, redoc_url=None)
    app.state.fleet = fleet
    app.state.token = token
    app.add_exception_handler(FleetError, fleet_error)
    # Starlette's: FastAPI raises that one when it cannot read a body.
    app.add_exception_handler(StarletteHTTPException, body_error)
    app.add_api_route("/health", health, methods=["GET"])
    app.include_router(router)
    return app
