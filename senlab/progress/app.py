"""The app factory: engine, sessions, hub auth and routes, all from one Settings."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from senlab.progress import db
from senlab.progress.auth import STATE_COOKIE, HubIdentityResolver, LoginRequired
from senlab.progress.event_types import EventBatch
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
    _publish_schemas(app, EventBatch)
    return app


def _publish_schemas(app: FastAPI, *models: type[BaseModel]) -> None:
    """Add the schemas of bodies that routes validate themselves to the OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = generate()  # FastAPI keeps it in app.openapi_schema
        if first:
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
        return document

    app.openapi = openapi  # type: ignore[method-assign]


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
    return create_app(get_settings())
