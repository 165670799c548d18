"""What the fleet-against-Mosquitto tests share: accounts, a broker, a running fleet, waits.

The broker runs from a temporary config on a free port (``lab_devices.mqtt.local_broker``) with
passwords and ACLs; the fleet hosts every lab in ``labs/`` and ticks until it is closed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from lab_devices.fleet.runtime import Fleet
from lab_devices.fleet.service import connection_factory
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.connection import BrokerConfig
from lab_devices.mqtt.local_broker import FLEET_USER, LocalBroker

LABS = Path(__file__).resolve().parents[2] / "labs"
PASSWORDS = {FLEET_USER: "fleet-pw", "an": "an-pw", "binh": "binh-pw"}


@contextmanager
def running_broker(folder: Path) -> Iterator[LocalBroker]:
    with LocalBroker(folder, PASSWORDS, max_queued=1000) as broker:
        yield broker


@asynccontextmanager
async def running_fleet(broker: LocalBroker) -> AsyncIterator[Fleet]:
    config = BrokerConfig("127.0.0.1", broker.port, FLEET_USER, PASSWORDS[FLEET_USER])
    fleet = Fleet(connection_factory(config), load_labs(LABS))
    ticker = asyncio.create_task(fleet.run())
    try:
        yield fleet
    finally:
        await fleet.close()
        ticker.cancel()


async def until(condition: Any, what: str, timeout: float = 30.0) -> Any:
    """Wait while the fleet keeps running; return the condition's value, or fail naming
    what never came."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return value
