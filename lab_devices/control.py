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

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from lab_devices.faults import Fault
from lab_devices.fleet import (
    BrokerUnavailable,
    Fleet,
    FleetError,
    InvalidName,
    LabNotRunning,
    UnknownLab,
)
from lab_devices.labfile import FaultSpec

STATUS_BY_ERROR = {UnknownLab: 404, LabNotRunning: 404, InvalidName: 422,
                   BrokerUnavailable: 503}


def create_control_app(fleet: Fleet, token: str) -> FastAPI:
    """The control API of ``fleet``, guarded by the bearer ``token``."""
    if len(token) < 16:
        raise ValueError("the control token must be at least 16 characters")
    app = FastAPI(title="SenLab device fleet", docs_url=None, redoc_url=None)

    def authorised(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(),
                                                                    token.encode()):
            raise HTTPException(401, "missing or wrong bearer token in Authorization",
                                headers={"WWW-Authenticate": "Bearer"})

    Auth = Annotated[None, Depends(authorised)]

    @app.exception_handler(FleetError)
    async def fleet_error(request: Request, exc: FleetError) -> JSONResponse:
        status = next((code for kind, code in STATUS_BY_ERROR.items()
                       if isinstance(exc, kind)), 400)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness, with the number of running labs and devices."""
        return {"ok": True, "labs": len(fleet.runs),
                "devices": sum(len(r.hosts) for r in fleet.runs.values())}

    @app.get("/labs")
    async def list_labs(_: Auth) -> list[dict[str, Any]]:
        """The labs this fleet can run."""
        return [{"id": lab.id, "title": lab.title.model_dump(),
                 "summary": lab.summary.model_dump(),
                 "devices": [{"id": d.id, "model": d.model} for d in lab.devices],
                 "checks": [c.id for c in lab.checks]}
                for lab in fleet.labs.values()]

    @app.post("/trainees/{trainee}/labs/{lab}/start")
    async def start(trainee: str, lab: str, _: Auth) -> dict[str, Any]:
        """Start a trainee's lab (idempotent) and list its devices."""
        run = await fleet.start_lab(trainee, lab)
        return run.describe()

    @app.post("/trainees/{trainee}/labs/{lab}/stop")
    async def stop(trainee: str, lab: str, _: Auth) -> dict[str, Any]:
        """Stop a trainee's lab."""
        fleet.lab_spec(lab)
        return {"stopped": await fleet.stop_lab(trainee, lab)}

    @app.get("/trainees/{trainee}/labs/{lab}")
    async def show(trainee: str, lab: str, _: Auth) -> dict[str, Any]:
        """A running lab and its devices."""
        return fleet.running(trainee, lab).describe()

    @app.get("/trainees/{trainee}/labs/{lab}/check")
    async def check(trainee: str, lab: str, _: Auth) -> dict[str, Any]:
        """Each of the lab's checks with passed and, when it fails, its message."""
        results = fleet.check_lab(trainee, lab)
        return {"trainee": trainee, "lab": lab, "passed": sum(r.passed for r in results),
                "total": len(results), "checks": [r.as_dict() for r in results]}

    @app.post("/trainees/{trainee}/labs/{lab}/devices/{device}/faults")
    async def inject(trainee: str, lab: str, device: str, body: dict[str, Any],
                     _: Auth) -> dict[str, Any]:
        """Inject a fault into a running device now (an instructor's action)."""
        try:
            spec = FaultSpec.model_validate({**body, "device": device})
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            raise HTTPException(422, "; ".join(problems)) from None
        fault: Fault = spec.to_fault()
        fleet.inject_fault(trainee, lab, device, fault)
        return {"injected": spec.model_dump(exclude_none=True)}

    return app
