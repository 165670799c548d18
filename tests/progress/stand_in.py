"""A stand-in for the progress service's ``POST /api/events``, for producers' tests.

It reads every posted body with the service's own parser (``routes.events.parse_batch``,
the schema of ``senlab.events``), answers per event as the service does (accepted,
duplicate by id, or rejected with the service's reasons) and keeps what was posted, so a
test can assert that a producer posts only what the service takes. Where a test needs the
service itself (storage, completions), it runs the real one instead.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.exceptions import RequestValidationError

from senlab.events import BatchResult, EventStatus
from senlab.progress.routes.events import parse_batch


@dataclass
class Posted:
    """What the producers posted: each body, its Authorization header, its answer."""

    bodies: list[bytes] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    down: bool = False  # answer 503 to everything, as a restarting service would
    url: str = ""  # the base URL it is served at

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Every event posted since the last `clear`, as posted."""
        return [event for body in self.bodies for event in json.loads(body)["events"]]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every accepted event, in the order stored."""
        return list(self.stored.values())

    def clear(self) -> None:
        """Forget what was posted, but not what was stored: ids stay duplicates."""
        self.bodies.clear()
        self.tokens.clear()
        self.answers.clear()

    @property
    def rejected(self) -> list[dict[str, Any]]:
        """Every per-event error the stand-in answered with."""
        return [error for answer in self.answers for error in answer.get("errors", [])]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["type"] == kind]


def _answer(posted: Posted, body: bytes) -> tuple[int, bytes]:
    try:
        events, errors = parse_batch(body)
    except RequestValidationError as error:
        return 422, repr(error.errors()).encode()
    results: list[EventStatus] = []
    for item in events:
        if item is None:
            results.append("rejected")
        elif str(item.id) in posted.stored:
            results.append("duplicate")
        else:
            posted.stored[str(item.id)] = item.model_dump(mode="json")
            results.append("accepted")
    answer = BatchResult(accepted=results.count("accepted"),
                         duplicates=results.count("duplicate"),
                         rejected=results.count("rejected"), results=results, errors=errors)
    posted.answers.append(answer.model_dump(mode="json"))
    return 200, answer.model_dump_json().encode()


@contextmanager
def progress_stand_in() -> Iterator[tuple[str, Posted]]:
    """(base URL like the service's ``…/services/progress``, what was posted to it)."""
    posted = Posted()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                if posted.down:
                    status, reply = 503, b"down"
                elif not self.path.endswith("/api/events"):
                    status, reply = 404, b"not found"
                else:
                    posted.bodies.append(body)
                    posted.tokens.append(self.headers.get("Authorization", ""))
                    status, reply = _answer(posted, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    posted.url = f"http://127.0.0.1:{server.server_address[1]}/services/progress"
    try:
        yield posted.url, posted
    finally:
        server.shutdown()
        server.server_close()
