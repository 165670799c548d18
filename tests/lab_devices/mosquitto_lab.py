"""What the fleet-against-Mosquitto tests share: accounts, a broker, a running fleet, waits.

The broker is ``senlab.broker.private.PrivateBroker``: Mosquitto on a free port with the
accounts, passwords, ACL and config that ``senlab up`` writes, so the tests run under
production's rules. The trainees ``an`` and ``binh`` get their accounts before it starts;
the fleet connects with its service account, as in production, and hosts every lab in
``labs/``, ticking until it is closed.
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
from senlab.broker.private import PrivateBroker

LABS = Path(__file__).resolve().parents[2] / "labs"
TRAINEES = ("an", "binh")


@contextmanager
def running_broker(folder: Path, **limits: Any) -> Iterator[PrivateBroker]:
    """A started PrivateBroker in ``folder`` with the TRAINEES' accounts; ``limits`` go to it
    (``max_queued``, ``max_inflight``)."""
    broker = PrivateBroker(folder, **limits)
    for name in TRAINEES:
        broker.trainee(name)  # before start: no reload needed for the account to work
    with broker:
        yield broker


def fleet_config(broker: PrivateBroker) -> BrokerConfig:
    """How the fleet reaches ``broker``: its service account, as in production."""
    fleet = broker.fleet
    return BrokerConfig("127.0.0.1", broker.port, fleet.username, fleet.password)


@asynccontextmanager
async def running_fleet(broker: PrivateBroker) -> AsyncIterator[Fleet]:
    fleet = Fleet(connection_factory(fleet_config(broker)), load_labs(LABS))
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
