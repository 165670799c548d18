"""The app factory: engine, sessions, hub auth and routes, all from one Settings."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from senlab.events import EventBatch
from senlab.progress import db
from senlab.progress.auth import STATE_COOKIE, HubIdentityResolver, LoginRequired
from senlab.progress.deps import TARGET_PERIODS
from senlab.progress.errors import Refusal, body_unreadable, request_invalid
from senlab.progress.goals import goals_path, load_goals
from senlab.progress.metrics import ServiceMetrics
from senlab.progress.routes import ROUTERS
from senlab.settings import Settings, get_settings


def create_app(settings: Settings, *, migrate: bool = True) -> FastAPI:
    """Build the service. Migrations run first unless the caller has run them."""
    prefix = settings.hub_service_prefix.rstrip("/")
    app = FastAPI(
        title="SenLab progress",
        description="Who learned what, against Đồng Tháp's 5G/IoT workforce targets.",
        version="1",
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=None,
        # operationId is the route's function name: what clients call, and links name.
        generate_unique_id_function=_route_name,
    )
    engine = db.make_engine(settings.db_url)
    if migrate:
        db.migrate(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = db.session_factory(engine)
    app.state.resolver = HubIdentityResolver(settings)
    app.state.metrics = ServiceMetrics(app.state.sessions)
    app.state.indicators = load_goals(goals_path(settings.home))
    # One writer at a time: SQLite allows no more, and PostgreSQL retries are rarer.
    app.state.ingest_lock = threading.Lock()
    for router in ROUTERS:
        app.include_router(router, prefix=prefix)
    app.add_exception_handler(LoginRequired, _redirect_to_login)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(StarletteHTTPException, body_unreadable)
    _publish_schemas(app, EventBatch, Refusal)
    return app


def _route_name(route: APIRoute) -> str:
    return route.name


def _publish_schemas(app: FastAPI, *models: type[BaseModel]) -> None:
    """Complete the OpenAPI document with what the routes cannot declare themselves: the
    schemas of bodies they validate themselves, and the periods the goals have targets for."""
    generate = app.openapi
    periods = sorted({t.period for i in app.state.indicators for t in i.targets})

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = generate()  # FastAPI keeps it in app.openapi_schema
        if first:
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, part in [*schema.pop("$defs", {}).items(), (model.__name__, schema)]:
                    # Two models of one name would silently become one schema.
                    if schemas.setdefault(name, part) != part:
                        raise ValueError(f"two schemas are named {name!r}: rename one")
            _enumerate_target_periods(document, ["", *periods])
            _document_malformed_paths(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


MALFORMED_PATH = {
    "description": "The path's percent-escapes are not UTF-8 (for example %FF). The hub's "
                   "proxy answers this before the service sees the request "
                   "(hub_config/proxy_guard.mjs), naming the escape.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["detail"],
        "properties": {"detail": {"type": "string"}}}}},
}


def _document_malformed_paths(document: dict[str, Any]) -> None:
    """Every operation with a path parameter can be answered 400 by the proxy in front."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                operation.setdefault("responses", {}).setdefault("400", MALFORMED_PATH)


def _enumerate_target_periods(document: dict[str, Any], periods: list[str]) -> None:
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.pop(TARGET_PERIODS, False):
                    schema["anyOf"] = [{"type": "string", "enum": periods}, {"type": "null"}]


async def _redirect_to_login(request: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, LoginRequired)
    url, state = request.app.state.resolver.authorize_url(error.next_url)
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(STATE_COOKIE, state, max_age=600, httponly=True,
                        path=request.app.state.settings.hub_service_prefix, samesite="lax")
    return response


def app_from_environment() -> FastAPI:
    """The service built from the SENLAB_ environment, for a launcher that takes a factory:
    the progress pod on Kubernetes runs ``uvicorn --factory
    senlab.progress.app:app_from_environment`` on the pod's address (one machine runs
    ``python -m senlab.progress`` on loopback)."""
    settings = get_settings()
    settings.check_production()
    return create_app(settings)
