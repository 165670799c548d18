"""How the service answers a request it refuses, and how the OpenAPI schema says so.

Two shapes, both named in the schema of every route that can answer them:

- bad input (422): FastAPI's list of problems, each with ``loc`` naming the parameter or
  field (``["query", "offset"]``, ``["body", "events", 3, "grade.recorded", "data"]``) and
  ``msg`` saying what is allowed. Checks FastAPI cannot make itself (a period that no
  target has) raise :func:`invalid` so that they read the same.
- a refusal (400, 401, 403, 404, 502, 503): ``{"detail": "..."}`` in words.

A body that is not UTF-8 text, or not JSON, is one problem at ``["body"]`` that says which.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

# What each refusal means, as the schema describes it.
REFUSALS = {
    400: "The request cannot be handled as sent (the reason is in `detail`).",
    401: "No hub token, or one the hub does not know (`Authorization: token <token>`).",
    403: "The token's owner may not do this (the rule is in `detail`).",
    404: "Nothing has that id or code.",
    502: "The hub could not check the token.",
    503: "A service this one relies on (the device fleet, the database) did not answer.",
}
# Where a body's bytes are echoed back in an error, at most this many characters.
ECHO = 200


class Refusal(BaseModel):
    """Why the request was refused, in words."""

    detail: str


def refusals(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that can refuse with these codes (422 is FastAPI's).

    The content is named, not left to FastAPI: it would give a page's or the metrics'
    media type to their refusals too, which are JSON whatever the route answers."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    return {code: {"description": REFUSALS[code], "content": content} for code in codes}


def invalid(location: str, name: str, message: str, value: Any) -> RequestValidationError:
    """A 422 for `name` in `location` (``query``, ``path``) worded as FastAPI's own."""
    return RequestValidationError([{"type": "value_error", "loc": (location, name),
                                    "msg": message, "input": value}])


def _echo(value: Any) -> Any:
    """`value` as JSON can carry it: bytes as text, cut to ECHO characters."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, str) and len(value) > ECHO:
        return value[:ECHO] + "…"
    return value


def _not_utf8(value: Any) -> str | None:
    """Where bytes `value` stop being UTF-8, or None when they are text."""
    if not isinstance(value, bytes):
        return None
    try:
        value.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"byte 0x{value[error.start]:02X} at offset {error.start}"
    return None


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    problem: dict[str, Any] = {key: error[key] for key in ("type", "loc", "msg") if key in error}
    problem["loc"] = list(problem.get("loc", ()))
    where = _not_utf8(error.get("input"))
    if where is not None:
        problem["type"] = "body_not_utf8"
        problem["msg"] = (f"the body is not UTF-8 text ({where}); send JSON encoded as UTF-8 "
                          "with Content-Type: application/json")
    elif error.get("type") == "json_invalid" and problem["loc"] == ["body"]:
        reason = error.get("ctx", {}).get("error", error.get("msg", ""))
        problem["msg"] = f"the body is not JSON ({reason})"
    if "input" in error:
        problem["input"] = _echo(error["input"])
    if "ctx" in error:
        problem["ctx"] = {key: value if isinstance(value, str | int | float | bool) else str(value)
                          for key, value in error["ctx"].items()}
    return problem


async def request_invalid(request: Request, error: Exception) -> JSONResponse:
    """422 with each problem's place and rule; the input is echoed only as text."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": [_problem(e) for e in error.errors()]}, status_code=422)


HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}


def allowed_methods(request: Request) -> list[str]:
    """Every method the published API serves at this request's path (HEAD with GET, as
    Starlette serves it). Starlette's own 405 names only the methods of the first route
    whose path matches, so a path served by two routes (GET and PUT) would seem to refuse
    the other one. The OpenAPI document is the table of what is served."""
    table = getattr(request.app.state, "served_methods", None)
    if table is None:
        table = []
        for template, item in request.app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            methods = {m.upper() for m in item if m.upper() in HTTP_METHODS}
            if "GET" in methods:
                methods.add("HEAD")
            table.append((re.compile(pattern), methods))
        request.app.state.served_methods = table
    path = request.url.path
    return sorted({m for pattern, methods in table if pattern.fullmatch(path) for m in methods})


async def body_unreadable(request: Request, error: Exception) -> Response:
    """FastAPI answers a body it cannot decode with a bare 400 ("There was an error parsing
    the body"); one that is not UTF-8 is named as such, as the routes that read their own
    body name it. A method the path does not serve gets a 405 that names every method it
    does serve, in its Allow header and its message."""
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        allowed = allowed_methods(request)
        return JSONResponse(
            {"detail": f"{request.method} is not served at this path; it serves "
                       f"{', '.join(allowed)}"},
            status_code=405, headers={"Allow": ", ".join(allowed)})
    cause = error.__cause__
    if isinstance(cause, UnicodeDecodeError) and isinstance(cause.object, bytes):
        return JSONResponse({"detail": [_problem({"type": "json_invalid", "loc": ("body",),
                                                   "msg": str(cause), "input": cause.object})]},
                            status_code=422)
    return await http_exception_handler(request, error)
