"""A producer's durable spool: the events the progress service has not taken yet.

Every producer of events (the fleet, the grader, and the publishing that `senlab up` and
`senlab course publish` do into the grader's spool) keeps them here until the service has
answered for each one. The layout, under ``SENLAB_HOME/spool/<producer>/``:

| path | what |
| --- | --- |
| ``pending/<ns>-<uuid>.json`` | one batch, ``{"events": [...]}``, in the order written |
| ``rejected/<ns>-<uuid>.json`` | events the service rejected, each with its reasons |
| ``.lock`` | held by the one process delivering now |

A batch file is written whole to a temporary name, fsynced, and renamed: a crash leaves the
old state or the new, never half a file. Files are 0600 and folders 0700, because events
name trainees and their scores. Sending groups files into posts of at most ``batch``
events; the service answers per event (``senlab.events.BatchResult``): accepted and
duplicate events leave the spool, rejected ones move to ``rejected/`` with the reason and
are logged, never retried. Anything else (no answer, 5xx, an unknown token) leaves the
batch where it is, to be sent again after a backoff: doubling from ``first`` to ``most``
seconds, with jitter so that producers that failed together do not retry together. Ids
are made by the producer, so a batch sent twice (its answer lost) is stored once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from senlab.events import MAX_BATCH, BatchResult
from senlab.settings import Settings

log = logging.getLogger("senlab.spool")

Event = dict[str, Any]
# A temporary file older than this is what a crash in the middle of `add` left (a write
# takes milliseconds): a whole batch in it is put in place and sent, a partial one removed.
STALE_TEMPORARY_S = 60.0


class Undelivered(RuntimeError):
    """The service did not answer for the batch; it stays pending. The text says why."""


class BatchRefused(RuntimeError):
    """The service refused the post as a whole (not a batch at all); the text says why."""


Poster = Callable[[list[Event]], BatchResult]


def spool_folder(home: Path, producer: str) -> Path:
    """``SENLAB_HOME/spool/<producer>``."""
    return Path(home) / "spool" / producer


@dataclass
class Delivery:
    """What one `Spool.deliver` did."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    pending: int = 0
    error: str | None = None

    @property
    def sent(self) -> int:
        return self.accepted + self.duplicates + self.rejected


class Spool:
    """The pending and rejected events of one producer, in ``folder``."""

    def __init__(self, folder: Path, *, batch: int = 500) -> None:
        if not 1 <= batch <= MAX_BATCH:
            raise ValueError(f"batch must be 1..{MAX_BATCH}, not {batch}")
        self.folder = Path(folder)
        self.batch = batch

    @property
    def pending_dir(self) -> Path:
        return self.folder / "pending"

    @property
    def rejected_dir(self) -> Path:
        return self.folder / "rejected"

    # -- writing ---------------------------------------------------------------------------
    def add(self, events: list[Event]) -> list[Path]:
        """Keep `events` durably (one file per `batch` of them); the files written."""
        written = []
        for start in range(0, len(events), self.batch):
            name = f"{time.time_ns():020d}-{uuid.uuid4().hex}.json"
            written.append(self._write(self.pending_dir / name,
                                       {"events": events[start:start + self.batch]}))
        return written

    def _write(self, path: Path, document: dict[str, Any]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".tmp-{path.name}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        _fsync_folder(path.parent)
        return path

    # -- reading ---------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The pending batch files, oldest first."""
        if not self.pending_dir.is_dir():
            return []
        return sorted(self.pending_dir.glob("[0-9]*.json"))

    def pending(self) -> list[Event]:
        """Every pending event, oldest first."""
        return [event for path in self.files() for event in self._read(path) or []]

    def rejected(self) -> list[dict[str, Any]]:
        """Every rejected event with its reasons: ``{"event": ..., "errors": [...]}``."""
        if not self.rejected_dir.is_dir():
            return []
        return [entry for path in sorted(self.rejected_dir.glob("[0-9]*.json"))
                for entry in json.loads(path.read_text(encoding="utf-8"))["rejected"]]

    def _read(self, path: Path) -> list[Event] | None:
        """The batch in `path`; None if it was taken meanwhile. A file that is not a batch
        (edited by hand, or from another version) is moved to rejected/ with the reason."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            events = document["events"]
            if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
                raise ValueError("'events' is not a list of objects")
            return events
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as error:
            reason = f"{path}: not a spooled batch ({type(error).__name__}: {error})"
            log.error("spool: %s; moved to %s", reason, self.rejected_dir)
            self.rejected_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.replace(self.rejected_dir / f"{path.stem}.unreadable")
            return None

    # -- sending ---------------------------------------------------------------------------
    def deliver(self, post: Poster) -> Delivery:
        """Send every pending event with `post`, oldest first, until done or the service
        stops answering. Another process delivering the same spool makes this a no-op."""
        delivery = Delivery()
        with self._delivering() as mine:
            if not mine:
                delivery.pending = len(self.files())
                return delivery
            self._recover_temporaries()
            files = self.files()
            while files:
                group, files = self._group(files)
                try:
                    self._send(group, post, delivery)
                except Undelivered as error:
                    delivery.error = str(error)
                    break
            delivery.pending = len(self.files())
        return delivery

    def _group(self, files: list[Path]) -> tuple[list[tuple[Path, list[Event]]], list[Path]]:
        group: list[tuple[Path, list[Event]]] = []
        size = 0
        while files:
            events = self._read(files[0])
            if events is not None and group and size + len(events) > self.batch:
                break
            path, files = files[0], files[1:]
            if events is not None:
                group.append((path, events))
                size += len(events)
        return group, files

    def _send(self, group: list[tuple[Path, list[Event]]], post: Poster,
              delivery: Delivery) -> None:
        events = [event for _, batch in group for event in batch]
        if not events:
            for path, _ in group:
                path.unlink(missing_ok=True)
            return
        try:
            answer = post(events)
        except BatchRefused as error:
            answer = _refused_whole(events, str(error))
        if len(answer.results) != len(events):
            raise Undelivered(f"the service answered for {len(answer.results)} events "
                              f"of {len(events)}")
        reasons = _reasons_by_index(answer)
        offset = 0
        for path, batch in group:
            statuses = answer.results[offset:offset + len(batch)]
            refused: list[dict[str, Any]] = [
                {"event": event, "errors": reasons.get(offset + index, [])}
                for index, (event, status) in enumerate(zip(batch, statuses, strict=True))
                if status == "rejected"]
            if refused:
                self._write(self.rejected_dir / path.name, {"rejected": refused})
                for entry in refused:
                    log.error("spool: the service rejected event %s (%s): %s; kept in %s",
                              entry["event"].get("id"), entry["event"].get("type"),
                              "; ".join(f"{r['loc']}: {r['msg']}" for r in entry["errors"]),
                              self.rejected_dir / path.name)
            path.unlink(missing_ok=True)
            offset += len(batch)
        _fsync_folder(self.pending_dir)
        delivery.accepted += answer.accepted
        delivery.duplicates += answer.duplicates
        delivery.rejected += answer.rejected

    @contextlib.contextmanager
    def _delivering(self) -> Iterator[bool]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing releases the lock

    def _recover_temporaries(self) -> None:
        """A stale temporary file is a batch a crash left between writing and renaming it.
        If the whole batch is in it, it takes its place among the pending files (its
        timestamp keeps it in order) and is sent like the others: its producer was never
        told it was kept, and the service stores each event id once, so sending it loses
        nothing and stores nothing twice. A partial one is removed."""
        if not self.pending_dir.is_dir():
            return
        for path in self.pending_dir.glob(".tmp-*"):
            with contextlib.suppress(FileNotFoundError):
                if time.time() - path.stat().st_mtime <= STALE_TEMPORARY_S:
                    continue  # a writer may still be at it
                try:
                    events = json.loads(path.read_text(encoding="utf-8"))["events"]
                    whole = isinstance(events, list) and all(isinstance(e, dict) for e in events)
                except (ValueError, KeyError, TypeError):
                    whole = False
                if whole:
                    target = path.with_name(path.name.removeprefix(".tmp-"))
                    log.warning("spool: %s was left by a crash before it was renamed; its "
                                "%d event(s) are sent as %s", path, len(events), target.name)
                    path.replace(target)
                else:
                    log.warning("spool: %s was left half-written by a crash; removed", path)
                    path.unlink()
        _fsync_folder(self.pending_dir)


def _refused_whole(events: list[Event], reason: str) -> BatchResult:
    errors = [{"index": index, "id": str(event.get("id")), "type": str(event.get("type")),
               "loc": ["body"], "msg": reason} for index, event in enumerate(events)]
    return BatchResult.model_validate({
        "accepted": 0, "duplicates": 0, "rejected": len(events),
        "results": ["rejected"] * len(events), "errors": errors})


def _reasons_by_index(answer: BatchResult) -> dict[int, list[dict[str, Any]]]:
    reasons: dict[int, list[dict[str, Any]]] = {}
    for error in answer.errors:
        reasons.setdefault(error.index, []).append(
            {"loc": ".".join(str(part) for part in error.loc), "msg": error.msg})
    return reasons


def _fsync_folder(folder: Path) -> None:
    # The rename or unlink is durable only once the folder's entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class HttpPoster:
    """Posts ``{"events": [...]}`` to the progress service's ``/api/events``.

    `scheme` is the Authorization scheme: ``token`` for a hub token, ``Bearer`` likewise.
    Only a 200 with a per-event answer counts as an answer; a 4xx that means the service
    refuses the post itself (400, 413, 422) is `BatchRefused`; anything else
    (connection, 401/403, 404 while the hub's proxy has no route yet, 5xx) is
    `Undelivered`, to be tried again.
    """

    REFUSED = frozenset({400, 413, 422})

    def __init__(self, url: str, token: str, *, scheme: str = "token",
                 timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"{scheme} {token}"}
        self._client = httpx.Client(timeout=timeout)

    def __call__(self, events: list[Event]) -> BatchResult:
        where = f"POST {self.url}"
        try:
            response = self._client.post(self.url, json={"events": events},
                                         headers=self._headers)
        except httpx.HTTPError as error:
            raise Undelivered(f"{where}: {type(error).__name__}: {error}") from error
        if response.status_code in self.REFUSED:
            raise BatchRefused(f"{where}: {response.status_code} {response.text[:500]}")
        if response.status_code != 200:
            raise Undelivered(f"{where}: {response.status_code} {response.text[:300]}")
        try:
            return BatchResult.model_validate_json(response.content)
        except ValidationError as error:
            raise Undelivered(f"{where}: an answer that is not per event: {error}") from error

    def close(self) -> None:
        self._client.close()


PROGRESS_PREFIX = "/services/progress"


def progress_url(settings: Settings) -> str:
    """The progress service's base URL: `SENLAB_PROGRESS_URL`, or directly on its local port.

    (`hub_service_prefix` is not used: a producer run as a hub service is given its own
    prefix there.)
    """
    if settings.progress_url:
        return settings.progress_url.rstrip("/")
    return f"http://127.0.0.1:{settings.progress_port}{PROGRESS_PREFIX}"


def events_url(progress_url: str) -> str:
    """``<progress service>/api/events``."""
    return f"{progress_url.rstrip('/')}/api/events"


@dataclass
class Backoff:
    """Seconds to wait after each failure in a row: doubling from `first` to `most`, each
    drawn between half and all of that ("equal jitter")."""

    first: float = 0.5
    most: float = 30.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def failed(self) -> float:
        ceiling = min(self.most, self.first * 2 ** self.failures)
        self.failures += 1
        return self.rng.uniform(ceiling / 2, ceiling)

    def succeeded(self) -> None:
        self.failures = 0


class SpoolSender:
    """A thread that delivers a spool: at once when woken, and after a backoff while the
    service does not answer.

    `put` hands it events from a thread that must not wait for the disk (the fleet's
    event loop): they are in memory until the sender has spooled them, a moment later.
    A producer that must know its events are durable (the grader, before it marks a
    grade as posted) calls ``spool.add`` itself and then `wake`.
    """

    def __init__(self, spool: Spool, post: Poster, *, backoff: Backoff | None = None,
                 name: str = "spool-sender") -> None:
        self.spool = spool
        self.post = post
        self.backoff = backoff or Backoff()
        self.name = name
        self.last = Delivery()
        self._queue: list[Event] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def put(self, events: list[Event]) -> None:
        with self._lock:
            self._queue.extend(events)
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> SpoolSender:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Spool what is in memory, and try once more to deliver, within `timeout`."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._spool_queue()  # the thread may still be posting: what it held is on disk

    def _spool_queue(self) -> None:
        with self._lock:
            events, self._queue = self._queue, []
        if not events:
            return
        try:
            self.spool.add(events)
        except BaseException:
            with self._lock:  # kept in memory, in order, for the next try
                self._queue[:0] = events
            raise

    def _run(self) -> None:
        next_try: float | None = time.monotonic()  # a spool left by the last run: at once
        while True:
            timeout = None if next_try is None else max(0.0, next_try - time.monotonic())
            self._wake.wait(timeout)
            self._wake.clear()
            try:
                self._spool_queue()
            except OSError:
                log.exception("spool: cannot write %s; events stay in memory", self.spool.folder)
            if self._stop.is_set():
                self._deliver()
                return
            if next_try is not None and time.monotonic() < next_try:
                continue  # new events while the service is down: spooled, sent at the next try
            delay = self._deliver()
            next_try = None if delay is None else time.monotonic() + delay

    def _deliver(self) -> float | None:
        """Deliver; the seconds until the next try, or None to wait for new events."""
        try:
            self.last = self.spool.deliver(self.post)
        except Exception:  # noqa: BLE001 - the sender must outlive one bad delivery
            log.exception("spool: delivering %s failed", self.spool.folder)
            self.last = Delivery(error="an unexpected error, logged")
        if self.last.error is None and not self.last.pending:
            self.backoff.succeeded()
            return None
        delay = self.backoff.failed()
        log.warning("spool %s: %d batch file(s) wait, next try in %.1f s: %s",
                    self.spool.folder, self.last.pending, delay, self.last.error)
        return delay
