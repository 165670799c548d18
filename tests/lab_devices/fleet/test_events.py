"""Forwarding events to the progress service: batches, retries, bounded buffering."""

from __future__ import annotations

import json

import httpx
import pytest

from lab_devices.fleet.events import EventForwarder

pytestmark = pytest.mark.anyio


def events(count: int, start: int = 0) -> list[dict]:
    return [{"id": f"e{i}", "type": "lab.evidence", "data": {}} for i in range(start,
                                                                                 start + count)]


def client_answering(statuses: list[int], seen: list[dict]) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append({"auth": request.headers["authorization"],
                     "ids": [e["id"] for e in json.loads(request.content)["events"]]})
        return httpx.Response(statuses.pop(0) if statuses else 200, json={})

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def test_events_are_posted_in_batches_with_the_token():
    seen: list[dict] = []
    forwarder = EventForwarder("http://progress/api/events", "tok", batch=2,
                               client=client_answering([], seen))
    forwarder(events(3))
    assert await forwarder.flush_once(forwarder._client)
    assert await forwarder.flush_once(forwarder._client)
    assert seen == [{"auth": "Bearer tok", "ids": ["e0", "e1"]},
                    {"auth": "Bearer tok", "ids": ["e2"]}]
    assert forwarder.sent == 3 and not forwarder.buffer


async def test_a_server_error_keeps_the_batch_for_a_retry():
    seen: list[dict] = []
    forwarder = EventForwarder("http://p/api/events", "tok", client=client_answering([503],
                                                                                      seen))
    forwarder(events(2))
    assert not await forwarder.flush_once(forwarder._client)
    assert await forwarder.flush_once(forwarder._client)
    assert seen[0]["ids"] == seen[1]["ids"] == ["e0", "e1"]  # same ids: stored once


async def test_an_unreachable_service_keeps_the_events():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    forwarder = EventForwarder("http://p/api/events", "tok",
                               client=httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    forwarder(events(2))
    assert not await forwarder.flush_once(forwarder._client)
    assert len(forwarder.buffer) == 2


async def test_a_refused_batch_is_dropped_not_retried_forever():
    seen: list[dict] = []
    forwarder = EventForwarder("http://p/api/events", "tok", client=client_answering([422],
                                                                                      seen))
    forwarder(events(1))
    assert await forwarder.flush_once(forwarder._client)
    assert not forwarder.buffer


def test_the_buffer_is_bounded_and_counts_what_it_dropped():
    forwarder = EventForwarder("http://p/api/events", "tok", max_buffered=5)
    forwarder(events(8))
    assert len(forwarder.buffer) == 5 and forwarder.dropped == 3
    assert forwarder.buffer[0]["id"] == "e3"
