"""``/api/registry``: the province's parks and enterprises; admins replace or edit it.

The Economic Zone Authority's list is uploaded as the request body (CSV or XLSX, the
columns of ``senlab.progress.crud.registry``); every row is checked first, and a refused
file changes nothing. DOST and admins read it; only admins change it.
"""

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from senlab.progress import access, schemas
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud import registry as crud
from senlab.progress.db import session_scope
from senlab.progress.deps import SessionDep
from senlab.progress.errors import invalid, refusals
from senlab.progress.identity import Identity
from senlab.progress.models import RegistryRevision

router = APIRouter(tags=["registry"])
MAX_BYTES = 20 * 1024 * 1024
MEDIA = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet"}
BODY = {"required": True, "content": {m: {"schema": {"type": "string", "format": "binary"}}
                                      for m in MEDIA.values()}}
REFUSAL = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
ParkId = Annotated[str, Path(pattern=crud.CODE_PATTERN, max_length=64,
                             description="A park's id, e.g. kcn-sa-dec.")]
EnterpriseId = Annotated[str, Path(pattern=crud.CODE_PATTERN, max_length=64,
                                   description="An enterprise's id, e.g. mekong-foods.")]


class ParkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=crud.NAME_PATTERN)
    kind: Literal["KCN", "CCN"]


class EnterpriseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=crud.NAME_PATTERN)
    park: str = Field(pattern=crud.CODE_PATTERN, max_length=64)
    tax_code: str | None = Field(default=None, pattern=crud.TAX_CODE_PATTERN)


def _require_admin(identity: Identity) -> None:
    if not identity.admin:
        raise access.forbid("change the registry (admins only)")


def read_registry(session: Session) -> schemas.RegistryPublic:
    latest = session.scalar(select(RegistryRevision).order_by(RegistryRevision.id.desc())
                            .limit(1))
    return schemas.RegistryPublic(
        revision=schemas.RegistryRevisionPublic.model_validate(latest, from_attributes=True)
        if latest else None,
        coverage=schemas.CoveragePublic(**asdict(crud.coverage(session))),
        parks=[schemas.RegistryPark(id=park.id, name=park.name, kind=park.kind, enterprises=[
            schemas.RegistryEnterprise(id=e.id, name=e.name, tax_code=e.tax_code, trainees=n)
            for e, n in enterprises]) for park, enterprises in crud.registry_listing(session)])


@router.get("/api/registry", response_model=schemas.RegistryPublic,
            responses=refusals(401, 403))
def get_registry(identity: CurrentIdentity, session: SessionDep) -> schemas.RegistryPublic:
    """Every park and enterprise of the province, with its trainees (DOST and admins)."""
    access.require_province_reader(identity, "read the registry (DOST and admins only)")
    return read_registry(session)


@router.put("/api/registry", response_model=schemas.RegistryImported,
            openapi_extra={"requestBody": BODY},
            responses={422: {"description": "The file is refused: each problem's `loc` is "
                                            "[\"body\", row, field] (row 0: the whole file); "
                                            "nothing was changed"},
                       **refusals(401, 403)})
async def put_registry(identity: CurrentIdentity, request: Request,
                       format: Annotated[Literal["csv", "xlsx"], Query(
                           description="The body's format.")] = "csv"
                       ) -> schemas.RegistryImported:
    """Replace the registry with the Economic Zone Authority's list (admins only)."""
    _require_admin(identity)  # before reading a body from anyone else
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise invalid("body", "file", f"larger than {MAX_BYTES} bytes", len(body))
    return await run_in_threadpool(_import, request, body, f"upload.{format}", identity.name)


def _import(request: Request, body: bytes, source: str, by: str) -> schemas.RegistryImported:
    try:
        registry = crud.parse_registry(source, body)
        with session_scope(request.app.state.sessions) as session:
            summary = crud.import_registry(session, source=source, registry=registry,
                                           made_by=by)
    except crud.RegistryError as error:
        raise RequestValidationError([
            {"type": "value_error", "loc": ("body", row, name), "msg": message,
             "input": None} for row, name, message in error.problems]) from error
    return schemas.RegistryImported(**asdict(summary))


def _edit(session: Session, change) -> None:
    try:
        change()
        session.commit()
    except crud.RegistryEditError as error:
        session.rollback()
        if error.status == 422:
            raise invalid("body", error.field, str(error), None) from error
        raise HTTPException(error.status, str(error)) from error


@router.put("/api/registry/parks/{park_id}", status_code=204, response_class=Response,
            responses=refusals(401, 403))
def put_park(park_id: ParkId, park: ParkIn, identity: CurrentIdentity,
             session: SessionDep) -> Response:
    """Add a park, or rename it or change its kind (admins only)."""
    _require_admin(identity)
    _edit(session, lambda: crud.put_park(session, park_id=park_id, name=park.name,
                                         kind=park.kind, made_by=identity.name))
    return Response(status_code=204)


@router.delete("/api/registry/parks/{park_id}", status_code=204, response_class=Response,
               responses={409: {"description": "The park still has enterprises.",
                                "content": REFUSAL},
                          **refusals(401, 403, 404)})
def delete_park(park_id: ParkId, identity: CurrentIdentity, session: SessionDep) -> Response:
    """Remove a park with no enterprise left (admins only)."""
    _require_admin(identity)
    _edit(session, lambda: crud.remove_park(session, park_id=park_id, made_by=identity.name))
    return Response(status_code=204)


@router.put("/api/registry/enterprises/{enterprise_id}", status_code=204,
            response_class=Response, responses=refusals(401, 403))
def put_enterprise(enterprise_id: EnterpriseId, enterprise: EnterpriseIn,
                   identity: CurrentIdentity, session: SessionDep) -> Response:
    """Add an enterprise, or rename, move it or change its tax code (admins only)."""
    _require_admin(identity)
    _edit(session, lambda: crud.put_enterprise(
        session, enterprise_id=enterprise_id, name=enterprise.name, park_id=enterprise.park,
        tax_code=enterprise.tax_code, made_by=identity.name))
    return Response(status_code=204)


@router.delete("/api/registry/enterprises/{enterprise_id}", status_code=204,
               response_class=Response,
               responses={409: {"description": "Someone on the roster works there.",
                                "content": REFUSAL},
                          **refusals(401, 403, 404)})
def delete_enterprise(enterprise_id: EnterpriseId, identity: CurrentIdentity,
                      session: SessionDep) -> Response:
    """Remove an enterprise where nobody on the roster works (admins only)."""
    _require_admin(identity)
    _edit(session, lambda: crud.remove_enterprise(session, enterprise_id=enterprise_id,
                                                  made_by=identity.name))
    return Response(status_code=204)
