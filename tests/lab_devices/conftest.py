"""Shared fixtures for the device tests: a fixed lab start time and a way to run a device."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from lab_devices.device.base import Device

VIETNAM = timezone(timedelta(hours=7))
# Monday 2 March 2026, 00:00 in Vietnam: dry season, a working day.
MONDAY_MIDNIGHT = datetime(2026, 3, 2, tzinfo=VIETNAM).timestamp()


def run_device(device: Device, start: float, seconds: float, step: float = 60.0) -> list[dict]:
    """Tick a device from ``start`` for ``seconds``; return its telemetry documents."""
    documents = []
    now = start
    while now <= start + seconds:
        for message in device.tick(now):
            if message.topic == "telemetry":
                documents.append(json.loads(message.payload))
        now += step
    return documents


def command(device: Device, action: str, **params) -> dict:
    """Send one command and return the decoded reply."""
    reply = device.handle(json.dumps({"id": 1, "action": action, **params}).encode())
    assert reply is not None and reply.topic == "reply"
    return json.loads(reply.payload)


@pytest.fixture
def monday() -> float:
    return MONDAY_MIDNIGHT


@pytest.fixture(name="drive")
def drive_fixture():
    """``drive(device, start, seconds, step=60)``: tick it; its telemetry documents."""
    return run_device


@pytest.fixture(name="send")
def send_fixture():
    """``send(device, action, **params)``: one command; its decoded reply."""
    return command


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, as the fleet does."""
    return "asyncio"
