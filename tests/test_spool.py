"""The durable spool every producer keeps its events in until the service answers for each."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from senlab.events import BatchResult, lab_check
from senlab.settings import Settings
from senlab.spool import (
    STALE_TEMPORARY_S,
    Backoff,
    BatchRefused,
    HttpPoster,
    Spool,
    SpoolSender,
    Undelivered,
    progress_url,
)


def events(count: int, trainee: str = "an") -> list[dict]:
    return [lab_check(trainee, "iot101-sensors", f"check-{i}", True) for i in range(count)]


def accepting(log: list[list[dict]] | None = None):
    def post(batch: list[dict]) -> BatchResult:
        if log is not None:
            log.append(batch)
        return BatchResult(accepted=len(batch), duplicates=0, rejected=0,
                           results=["accepted"] * len(batch), errors=[])
    return post


def test_a_batch_is_kept_whole_in_a_private_file_before_anything_is_sent(tmp_path):
    spool = Spool(tmp_path, batch=2)
    written = spool.add(events(5))
    assert len(written) == 3  # 2 + 2 + 1
    assert [len(json.loads(p.read_text())["events"]) for p in written] == [2, 2, 1]
    assert {p.stat().st_mode & 0o777 for p in written} == {0o600}
    assert spool.pending_dir.stat().st_mode & 0o777 == 0o700
    assert [e["data"]["check"] for e in spool.pending()] == [f"check-{i}" for i in range(5)]


def test_delivery_posts_oldest_first_in_posts_of_at_most_batch_and_empties_the_spool(tmp_path):
    spool, posted = Spool(tmp_path, batch=3), []
    spool.add(events(2))
    spool.add(events(2, "binh"))
    spool.add(events(1, "chi"))
    delivery = spool.deliver(accepting(posted))
    assert [len(batch) for batch in posted] == [2, 3]  # 2, then 2 + 1 (2 + 2 > 3)
    assert [e["data"]["trainee"] for e in posted[0]] == ["an", "an"]
    assert (delivery.accepted, delivery.pending, delivery.error) == (5, 0, None)
    assert spool.pending() == []


def test_a_rejected_event_is_set_aside_with_its_reason_and_the_others_leave(tmp_path):
    spool = Spool(tmp_path)
    sent = events(3)
    spool.add(sent)

    def post(batch):
        return BatchResult.model_validate({
            "accepted": 1, "duplicates": 1, "rejected": 1,
            "results": ["accepted", "rejected", "duplicate"],
            "errors": [{"index": 1, "id": batch[1]["id"], "type": "lab.check",
                        "loc": ["body", "events", 1, "data", "check"], "msg": "too long"}]})

    delivery = spool.deliver(post)
    assert (delivery.accepted, delivery.duplicates, delivery.rejected) == (1, 1, 1)
    assert spool.pending() == []
    [kept] = spool.rejected()
    assert kept["event"]["id"] == sent[1]["id"]
    assert kept["errors"] == [{"loc": "body.events.1.data.check", "msg": "too long"}]


def test_while_the_service_does_not_answer_everything_stays_pending(tmp_path):
    spool = Spool(tmp_path)
    spool.add(events(2))

    def down(batch):
        raise Undelivered("POST http://127.0.0.1:9/api/events: ConnectError")

    delivery = spool.deliver(down)
    assert delivery.pending == 1 and "ConnectError" in delivery.error
    assert len(spool.pending()) == 2


def test_a_post_refused_as_a_whole_sets_its_events_aside_rather_than_retrying(tmp_path):
    spool = Spool(tmp_path)
    spool.add(events(2))

    def refused(batch):
        raise BatchRefused("POST …/api/events: 413 too large")

    assert spool.deliver(refused).rejected == 2
    assert spool.pending() == []
    assert {e["errors"][0]["msg"] for e in spool.rejected()} == {"POST …/api/events: 413 too large"}


def test_an_answer_for_fewer_events_than_were_sent_is_no_answer(tmp_path):
    spool = Spool(tmp_path)
    spool.add(events(2))
    short = BatchResult(accepted=1, duplicates=0, rejected=0, results=["accepted"], errors=[])
    delivery = spool.deliver(lambda batch: short)
    assert "answered for 1 events of 2" in delivery.error
    assert len(spool.pending()) == 2


def test_a_file_that_is_not_a_batch_is_moved_aside_and_named(tmp_path):
    spool = Spool(tmp_path)
    spool.add(events(1))
    broken = spool.pending_dir / "00000000000000000001-broken.json"
    broken.write_text('{"events": "nope"}')
    assert spool.deliver(accepting()).accepted == 1
    assert not broken.exists()
    assert (spool.rejected_dir / "00000000000000000001-broken.unreadable").exists()


def test_a_second_deliverer_of_the_same_spool_waits_its_turn(tmp_path):
    spool = Spool(tmp_path)
    spool.add(events(1))
    started, release = threading.Event(), threading.Event()

    def slow(batch):
        started.set()
        release.wait(5)
        return accepting()(batch)

    first = threading.Thread(target=spool.deliver, args=(slow,))
    first.start()
    assert started.wait(5)
    assert Spool(tmp_path).deliver(accepting()).accepted == 0  # the lock is held
    release.set()
    first.join(5)
    assert spool.pending() == []


def left_by_a_crash(spool: Spool, name: str, text: str, age_s: float) -> Path:
    spool.pending_dir.mkdir(parents=True, exist_ok=True)
    path = spool.pending_dir / f".tmp-{name}"
    path.write_text(text)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_a_whole_batch_a_crash_left_unrenamed_is_sent_in_its_turn_once_stale(tmp_path):
    spool, posted = Spool(tmp_path), []
    spool.add(events(1))
    crashed = events(2, trainee="binh")
    # named as `add` names it: older than the batch spooled since, so sent first
    left = left_by_a_crash(spool, "00000000000000000001-aa.json",
                           json.dumps({"events": crashed}), age_s=STALE_TEMPORARY_S + 1)
    spool.deliver(accepting(posted))
    assert not left.exists() and spool.pending() == []
    assert [e["id"] for e in posted[0][:2]] == [e["id"] for e in crashed]
    assert len(posted[0]) == 3


def test_a_half_written_temporary_is_removed_once_stale_and_a_fresh_one_left_alone(tmp_path):
    spool, posted = Spool(tmp_path), []
    spool.add(events(1))
    half = left_by_a_crash(spool, "1-half.json", '{"events": [{"id"', STALE_TEMPORARY_S + 1)
    fresh = left_by_a_crash(spool, "2-fresh.json", json.dumps({"events": events(1, "chi")}),
                            age_s=1)
    spool.deliver(accepting(posted))
    assert not half.exists()
    assert fresh.exists(), "a writer may still be renaming it"
    assert len(posted) == 1 and len(posted[0]) == 1


def test_a_batch_size_outside_the_services_limit_is_refused(tmp_path):
    with pytest.raises(ValueError, match="batch must be 1..10000, not 0"):
        Spool(tmp_path, batch=0)


def test_the_backoff_doubles_from_first_to_most_with_jitter_and_resets():
    backoff = Backoff(first=0.5, most=4.0, rng=random.Random(1))
    waits = [backoff.failed() for _ in range(6)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(c / 2 <= w <= c for w, c in zip(waits, ceilings, strict=True)), waits
    backoff.succeeded()
    assert backoff.failed() <= 0.5


def test_the_sender_delivers_what_it_is_given_and_retries_until_the_service_answers(tmp_path):
    answers, posted = iter([False, False]), []

    def flaky(batch):
        if next(answers, True) is False:
            raise Undelivered("503")
        return accepting(posted)(batch)

    sender = SpoolSender(Spool(tmp_path), flaky, backoff=Backoff(first=0.02, most=0.05))
    sender.start()
    try:
        sender.put(events(3))
        deadline = time.monotonic() + 5
        while not posted and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        sender.close()
    assert [len(b) for b in posted] == [3]
    assert sender.spool.pending() == []


def test_closing_the_sender_keeps_what_it_held_on_disk(tmp_path):
    def down(batch):
        raise Undelivered("no answer")

    sender = SpoolSender(Spool(tmp_path), down)  # never started: nothing was written yet
    sender.put(events(2))
    sender.close()
    assert len(Spool(tmp_path).pending()) == 2


class Service(BaseHTTPRequestHandler):
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["events"]
        type(self).authorization = self.headers.get("Authorization")
        body = json.dumps({"accepted": len(batch), "duplicates": 0, "rejected": 0,
                           "results": ["accepted"] * len(batch), "errors": []}).encode()
        if self.status != 200:
            body = b'{"detail": "no"}'
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def service():
    server = HTTPServer(("127.0.0.1", 0), Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    Service.status = 200


@pytest.mark.parametrize(("status", "raised"), [(422, BatchRefused), (413, BatchRefused),
                                                (503, Undelivered), (401, Undelivered)])
def test_the_http_poster_tells_a_refusal_from_no_answer(service, status, raised):
    Service.status = status
    poster = HttpPoster(f"http://127.0.0.1:{service.server_port}/api/events", "t0ken")
    with pytest.raises(raised, match=str(status)):
        poster(events(1))


def test_the_http_poster_sends_the_token_and_reads_the_per_event_answer(service):
    poster = HttpPoster(f"http://127.0.0.1:{service.server_port}/api/events", "t0ken")
    assert poster(events(2)).accepted == 2
    assert Service.authorization == "token t0ken"


def test_no_service_listening_is_no_answer():
    poster = HttpPoster("http://127.0.0.1:9/api/events", "t", timeout=1)
    with pytest.raises(Undelivered, match="POST http://127.0.0.1:9/api/events"):
        poster(events(1))


def test_the_progress_url_is_the_setting_or_the_local_service(tmp_path):
    assert progress_url(Settings(home=tmp_path, progress_port=9101)) == \
        "http://127.0.0.1:9101/services/progress"
    assert progress_url(Settings(home=tmp_path, progress_url="http://p:8101/x/")) == \
        "http://p:8101/x"
