"""Forwarding the fleet's events to the progress service, in batches, with retries.

Events carry client-made ids, so a batch sent twice (after a timeout whose request did
land) is stored once. While the progress service is down, events wait in a bounded
buffer; past ``max_buffered`` the oldest are dropped and counted in ``dropped``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

import httpx

log = logging.getLogger(__name__)


class EventForwarder:
    """An ``EventSink`` that posts ``{"events": [...]}`` to ``url`` with a bearer token."""

    def __init__(self, url: str, token: str, *, batch: int = 500,
                 max_buffered: int = 100_000, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.token = token
        self.batch = batch
        self.buffer: deque[dict[str, Any]] = deque(maxlen=max_buffered)
        self.dropped = 0
        self.sent = 0
        self._client = client
        self._wake = asyncio.Event()

    def __call__(self, events: list[dict[str, Any]]) -> None:
        overflow = len(self.buffer) + len(events) - (self.buffer.maxlen or 0)
        if overflow > 0:
            self.dropped += overflow
        self.buffer.extend(events)
        self._wake.set()

    async def run(self) -> None:
        """Post buffered events until cancelled."""
        client = self._client or httpx.AsyncClient(timeout=10.0)
        backoff = 0.5
        try:
            while True:
                if not self.buffer:
                    self._wake.clear()
                    await self._wake.wait()
                if await self.flush_once(client):
                    backoff = 0.5
                else:
                    await asyncio.sleep(backoff)
                    backoff = min(30.0, backoff * 2)
        finally:
            if self._client is None:
                await client.aclose()

    async def flush_once(self, client: httpx.AsyncClient) -> bool:
        """Post one batch; keep it on failure. True if the service took it."""
        batch = [self.buffer[i] for i in range(min(self.batch, len(self.buffer)))]
        if not batch:
            return True
        try:
            response = await client.post(self.url, json={"events": batch},
                                         headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            log.warning("progress service unreachable (%s); %d events wait", exc, len(self.buffer))
            return False
        if response.status_code >= 500:
            log.warning("progress service answered %d; retrying", response.status_code)
            return False
        if response.status_code >= 400:
            # A batch the service refuses will never be taken: log it and move on.
            log.error("progress service refused %d events: %s", len(batch), response.text[:500])
        for _ in batch:
            self.buffer.popleft()
        self.sent += len(batch)
        return True
