"""Kill -9 while a client posts batches; resend what was not acknowledged.

Every acknowledged event must be stored, none twice, and each applied once.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest

from tests.progress.hub_harness import REPO, running_hub
from tests.progress.postgres_server import free_port

pytestmark = pytest.mark.integration
BATCH = 400


def batch(number: int) -> list[dict]:
    # One grade per event, each for its own assignment: applied twice would show.
    return [{"id": str(uuid.uuid4()), "type": "grade.recorded",
             "occurred_at": "2026-03-01T00:00:00Z",
             "data": {"trainee": f"t{number % 7}", "course": "iot101",
                      "assignment": f"b{number}-{n}", "score": 5, "max_score": 10}}
            for n in range(BATCH)]


def start_service(home, port, hub) -> subprocess.Popen:
    env = {**os.environ, "SENLAB_HOME": str(home), "SENLAB_PROGRESS_PORT": str(port),
           "SENLAB_HUB_SERVICE_API_URL": hub.api_url, "SENLAB_HUB_SERVICE_TOKEN": "unused",
           "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "senlab.progress"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/services/progress/api/health").is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the progress service did not start")


def post_until_killed(url, token, batches, process) -> tuple[set[int], int | None]:
    """Post batches in order; kill the service -9 after a few; return acked and in-flight."""
    acknowledged: set[int] = set()
    killer = threading.Timer(0.0, lambda: None)
    for number, events in enumerate(batches):
        if len(acknowledged) == 3:
            # Somewhere inside the next request: before, during or after its commit.
            killer = threading.Timer(random.uniform(0.0, 0.08), process.send_signal,
                                     [signal.SIGKILL])
            killer.start()
        try:
            response = httpx.post(url, json={"events": events}, timeout=30,
                                  headers={"Authorization": f"token {token}"})
        except httpx.TransportError:
            killer.join()
            return acknowledged, number
        assert response.status_code == 200, response.text
        acknowledged.add(number)
    raise AssertionError("the service was never killed")


def test_acknowledged_events_survive_kill_9_and_resending_stores_none_twice(tmp_path):
    with running_hub(tmp_path / "hub") as hub:
        port = free_port()
        url = f"http://127.0.0.1:{port}/services/progress/api/events"
        batches = [batch(n) for n in range(40)]
        process = start_service(tmp_path, port, hub)
        acknowledged, in_flight = post_until_killed(url, hub.fleet_token, batches, process)
        process.wait()
        assert process.returncode == -signal.SIGKILL
        process = start_service(tmp_path, port, hub)
        try:
            replies = [httpx.post(url, json={"events": batches[n]}, timeout=30,
                                  headers={"Authorization": f"token {hub.fleet_token}"}).json()
                       for n in range(len(batches)) if n not in acknowledged]
        finally:
            process.terminate()
            process.wait(timeout=30)
    sent = {e["id"] for b in batches for e in b}
    with sqlite3.connect(tmp_path / "progress.sqlite") as db:
        stored = [row[0] for row in db.execute("SELECT id FROM events")]
        grades = db.execute("SELECT count(*) FROM grades").fetchone()[0]
    assert len(stored) == len(set(stored)) == len(sent)
    assert set(stored) == sent
    assert grades == len(sent)
    # Resent batches were either stored whole before the kill (all duplicates) or not at
    # all (all accepted): a batch is one transaction.
    for reply in replies:
        assert set(reply["results"]) in ({"accepted"}, {"duplicate"}), reply
    assert in_flight not in acknowledged
